extension TaskSpec {
    /// The spec of one task of a dynamic fan-out, from the placeholder's spec (`self`, rendered
    /// with everything but the dynamic matrix value): `${{ matrix.KEY }}` replaced by `value`,
    /// other references (step outputs, run id) left for the worker, and the task id set.
    ///
    /// An element that holds `${{ secrets.NAME }}` is refused: substituted into `env` or
    /// `headers`, a step output (data, perhaps from outside) would pick which secret a worker
    /// sends where.
    public func expanded(key: String, value: String, taskID: String) throws(TemplateError) -> TaskSpec {
        if Template.mayContainReference(value), let template = try? Template(parsing: value) {
            for case .secret(let name) in template.references { throw .secretNotAllowed(name, field: "matrix.\(key)") }
        }
        let renderer = TemplateRenderer(context: TemplateContext(matrix: [key: value]))
        var copy = try mappingTemplates { text throws(TemplateError) in try renderer.renderPartially(text) }
        copy.taskID = taskID
        return copy
    }

    /// The id of the task for element `index` of step `stepID`'s dynamic fan-out: `step[index]`.
    public static func fanOutTaskID(stepID: String, index: Int) -> String {
        "\(stepID)[\(index)]"
    }
}
