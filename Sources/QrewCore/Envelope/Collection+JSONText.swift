extension Array where Element == String {
    /// The strings as a JSON array text, e.g. `["a","b\"c"]` (`[]` when empty): how task
    /// records store lists of task ids for the Lua scripts (`cjson.decode`).
    public var jsonArrayText: String {
        if isEmpty { return "[]" }
        var writer = JSONWriter()
        writer.array(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension Dictionary where Key == String, Value == String {
    /// The dictionary as a JSON object text with sorted keys, e.g. `{"a":"1"}`.
    public var jsonObjectText: String {
        var writer = JSONWriter()
        writer.object(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}
