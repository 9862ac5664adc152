extension TaskSpec {
    /// The spec of one task of a dynamic fan-out, from the placeholder's spec (`self`, rendered
    /// with everything but the dynamic matrix value): `${{ matrix.KEY }}` replaced by `value`,
    /// other references (step outputs, run id) left for the worker, and the task id set.
    public func expanded(key: String, value: String, taskID: String) throws(TemplateError) -> TaskSpec {
        let renderer = TemplateRenderer(context: TemplateContext(matrix: [key: value]))
        func render(_ values: [String: String]) throws(TemplateError) -> [String: String] {
            var result: [String: String] = [:]
            for (name, text) in values { result[name] = try renderer.renderPartially(text) }
            return result
        }
        var copy = self
        copy.taskID = taskID
        copy.run = try run.map { text throws(TemplateError) in try renderer.renderPartially(text) }
        if let cwd { copy.cwd = try renderer.renderPartially(cwd) }
        copy.env = try render(env)
        copy.with = try render(with)
        if var http {
            http.url = try renderer.renderPartially(http.url)
            http.headers = try render(http.headers)
            if let body = http.body { http.body = try renderer.renderPartially(body) }
            copy.http = http
        }
        if var cache {
            if let key = cache.key { cache.key = try renderer.renderPartially(key) }
            if let similar = cache.similar { cache.similar = try renderer.renderPartially(similar) }
            copy.cache = cache
        }
        return copy
    }

    /// The id of the task for element `index` of step `stepID`'s dynamic fan-out: `step[index]`.
    public static func fanOutTaskID(stepID: String, index: Int) -> String {
        "\(stepID)[\(index)]"
    }
}
