/// The `if:` a task carries in its spec, for the worker that claims it: the expression (params
/// and matrix values already substituted), the tasks of each dependency step whose states and
/// outputs it is evaluated with, and which of those steps have `continueOnError`.
public struct TaskCondition: Sendable, Hashable, Codable {
    /// The expression text (`ConditionExpression.description` form, params and matrix values substituted).
    public var expression: String
    /// Every dependency step of the task, with the ids of its tasks.
    public var dependencies: [String: [String]]
    /// Dependency steps with `continueOnError`, sorted.
    public var tolerated: [String]
    /// The `if:` as the workflow file writes it, for the skip reason.
    public var text: String

    public init(expression: String, text: String, dependencies: [String: [String]], tolerated: [String]) {
        self.expression = expression
        self.text = text
        self.dependencies = dependencies
        self.tolerated = tolerated
    }

    /// The context to evaluate with, given task states and outputs by task id.
    public func context(states: [String: String], outputs: [String: String]) -> ConditionContext {
        var stepStates: [String: String] = [:]
        var stepOutputs: [String: String] = [:]
        for (step, tasks) in dependencies {
            stepStates[step] = ConditionContext.stepState(of: tasks.map { states[$0] ?? "" })
            stepOutputs[step] = tasks.map { outputs[$0] ?? "" }.joined(separator: "\n")
        }
        return ConditionContext(states: stepStates, outputs: stepOutputs, tolerated: Set(tolerated))
    }
}

extension TaskCondition {
    /// Writes the condition as a JSON object (keys sorted).
    func write(to w: inout JSONWriter) {
        w.open("{")
        w.key("dependencies"); w.open("{")
        for step in dependencies.keys.sorted() {
            w.dynamicKey(step); w.array(dependencies[step] ?? [])
        }
        w.close("}")
        w.key("expression"); w.string(expression)
        w.key("text"); w.string(text)
        w.key("tolerated"); w.array(tolerated)
        w.close("}")
    }

    init(specJSON value: JSONValue, _ path: () -> String) throws(TaskSpecDecodingError) {
        let condition = try SpecObject(value, path)
        self.init(
            expression: try condition.required("expression", SpecValue.string),
            text: try condition.required("text", SpecValue.string),
            dependencies: try condition.required("dependencies") { value, path throws(TaskSpecDecodingError) in
                try SpecValue.dictionary(value, path, expected: "an object of string arrays", SpecValue.strings)
            },
            tolerated: try condition.required("tolerated", SpecValue.strings))
    }
}
