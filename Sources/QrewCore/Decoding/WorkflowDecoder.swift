/// Turns a parsed YAML/JSON node tree into a `Workflow`, reporting shape problems (unknown keys,
/// wrong types, unparsable values) with the parser's line and column and recording where every
/// field came from. Semantic checks are left to `WorkflowValidator`.
///
/// The decoding helpers take a field's path (`steps[12].dependsOn[2]`) as an autoclosure: it is
/// built only for a problem, not for every field of every step (a tenth of loading a
/// 100,000-step workflow; docs/benchmarks.md, "Front door: qctl start-up and YAML").
struct WorkflowDecoder {
    static let workflowKeys = ["name", "params", "failFast", "timeout", "defaults", "parallel", "steps", "schedule", "concurrencyGroup", "cancelInProgress"]
    static let defaultsKeys = ["timeout", "queue", "retries", "cache", "queueTimeout", "heartbeatTimeout", "circuitBreaker"]
    static let parallelKeys = ["maxConcurrency", "resources"]

    let file: String
    var problems: [WorkflowProblem] = []
    var sourceMap = SourceMap()
    /// The files child workflows may include and where in the nesting this workflow is.
    var childContext = ChildWorkflowContext()
    /// Runs the decoding of a long `steps:` list in pieces (`decodeSteps`).
    var runner = PieceRunner.serial

    /// Lists shorter than this are decoded in one piece.
    static let minimumStepsToCut = 1000

    init(file: String) {
        self.file = file
    }

    /// Decodes the document root; never fails, problems are collected instead.
    mutating func decode(root: YAMLNode) -> Workflow {
        sourceMap.root = root
        var workflow = Workflow(name: "", steps: [])
        guard let fields = fields(of: root, at: "", allowed: Self.workflowKeys, stepID: nil, what: "a workflow") else {
            return workflow
        }
        if let node = fields["name"] { workflow.name = string(node, at: "name", stepID: nil) ?? "" }
        if let node = fields["params"] {
            workflow.params = stringMap(node, at: "params", stepID: nil, what: "a mapping of parameter names to values")
        }
        if let node = fields["failFast"] { workflow.failFast = bool(node, at: "failFast", stepID: nil) ?? false }
        if let node = fields["timeout"] { workflow.timeout = duration(node, at: "timeout", stepID: nil) }
        if let node = fields["defaults"] { workflow.defaults = decodeDefaults(node) }
        if let node = fields["parallel"] { workflow.parallel = decodeParallel(node) }
        if let node = fields["schedule"] { workflow.schedule = decodeSchedule(node) }
        decodeConcurrencyGroup(fields, into: &workflow)
        if let node = fields["steps"] {
            if let items = sequence(node, at: "steps", stepID: nil, what: "a list of steps") {
                workflow.steps = decodeSteps(items)
            }
        }
        return workflow
    }

    /// The steps of `items`, in order. With a runner wider than one core, a long list is decoded
    /// in runs of steps at once, each by its own copy of this decoder (decoding a step reads
    /// nothing another step's decoding writes); their problems are added in step order, as
    /// decoding the list in one go adds them.
    private mutating func decodeSteps(_ items: [YAMLNode]) -> [Step] {
        let count = items.count
        guard runner.width > 1, count >= Self.minimumStepsToCut else {
            return items.enumerated().map { index, item in decodeStep(item, at: "steps[\(index)]", number: index + 1) }
        }
        let pieces = 2 * runner.width
        // Each run's decoder starts from this one without its problems, which join below.
        var fresh = self
        fresh.problems = []
        let decoder = fresh
        let decoded = runner.map(pieces) { piece -> ([Step], [WorkflowProblem]) in
            var copy = decoder
            let steps = (count * piece / pieces..<count * (piece + 1) / pieces).map { index in
                copy.decodeStep(items[index], at: "steps[\(index)]", number: index + 1)
            }
            return (steps, copy.problems)
        }
        for (_, found) in decoded { problems += found }
        return decoded.flatMap(\.0)
    }

    private mutating func decodeDefaults(_ node: YAMLNode) -> StepDefaults {
        var defaults = StepDefaults()
        guard let fields = fields(of: node, at: "defaults", allowed: Self.defaultsKeys, stepID: nil, what: "a mapping") else {
            return defaults
        }
        if let value = fields["timeout"] { defaults.timeout = duration(value, at: "defaults.timeout", stepID: nil) }
        if let value = fields["heartbeatTimeout"] {
            defaults.heartbeatTimeout = duration(value, at: "defaults.heartbeatTimeout", stepID: nil)
        }
        if let value = fields["queue"] { defaults.queue = string(value, at: "defaults.queue", stepID: nil) }
        if let value = fields["retries"] { defaults.retries = retrySettings(value, at: "defaults.retries", stepID: nil) }
        if let value = fields["queueTimeout"] { defaults.queueTimeout = duration(value, at: "defaults.queueTimeout", stepID: nil) }
        if let value = fields["circuitBreaker"] {
            defaults.circuitBreaker = circuitBreaker(value, at: "defaults.circuitBreaker", stepID: nil)
        }
        if let value = fields["cache"] { defaults.cache = cacheSpec(value, at: "defaults.cache", stepID: nil) }
        return defaults
    }

    private mutating func decodeParallel(_ node: YAMLNode) -> Parallelism {
        var parallel = Parallelism()
        guard let fields = fields(of: node, at: "parallel", allowed: Self.parallelKeys, stepID: nil, what: "a mapping") else {
            return parallel
        }
        if let value = fields["maxConcurrency"] {
            parallel.maxConcurrency = int(value, at: "parallel.maxConcurrency", stepID: nil)
        }
        if let value = fields["resources"],
           let pools = orderedMapping(value, at: "parallel.resources", stepID: nil, what: "a mapping of pool names to sizes") {
            for (name, sizeNode) in pools {
                if let size = int(sizeNode, at: "parallel.resources.\(name)", stepID: nil) {
                    parallel.resources[name] = size
                }
            }
        }
        return parallel
    }
}
