extension TaskSpec {
    /// The spec of one task of a dynamic fan-out, from the placeholder's spec (`self`, rendered
    /// with everything but the dynamic matrix value): `${{ matrix.KEY }}` replaced by `value`,
    /// other references (step outputs, run id) left for the worker, and the task id set.
    public func expanded(key: String, value: String, taskID: String) throws(TemplateError) -> TaskSpec {
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
