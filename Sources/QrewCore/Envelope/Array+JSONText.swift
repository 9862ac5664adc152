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
