/// One thing wrong with a workflow, located as precisely as the input allows.
///
/// Validation never stops at the first problem: every check runs and each finding becomes one
/// `WorkflowProblem`, so a user fixes a file in one round instead of one error per attempt.
public struct WorkflowProblem: Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem this is; stable, so tools and tests can match on it.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The text is not well-formed YAML or JSON.
        case syntax
        /// A mapping key the schema does not know.
        case unknownKey
        /// A key that exists but does not apply to this step's type (e.g. `url` on a shell step).
        case inapplicableKey
        /// The same key twice in one mapping.
        case duplicateKey
        /// A value of the wrong shape (string where a list is expected, ...).
        case typeMismatch
        /// A required field is absent.
        case missingField
        /// A value of the right shape that is not allowed (unknown complexity, negative size, ...).
        case invalidValue
        /// Two steps share one id.
        case duplicateID
        /// A step id that does not match `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$`.
        case invalidID
        /// `dependsOn` names a step that does not exist.
        case missingDependency
        /// Steps depend on each other in a loop.
        case cycle
        /// A step uses a resource pool not declared under `parallel.resources`.
        case undeclaredPool
        /// A duration that cannot be parsed or is out of range.
        case badDuration
        /// A matrix with an empty axis or a value that cannot appear in a task id.
        case invalidMatrix
        /// A matrix that expands into more tasks than `ValidationLimits` allow.
        case matrixTooLarge
        /// A `${{ ... }}` template that is malformed or refers to something that does not exist.
        case badReference
        /// An `if:` expression that does not parse or names a step, parameter or matrix key that does not exist.
        case badCondition
        /// The workflow has no steps.
        case emptyWorkflow
        /// A submit-time parameter override names a parameter the workflow does not declare.
        case unknownParameter
    }

    /// The file the workflow came from (a placeholder such as `<memory>` for in-memory workflows).
    public var file: String
    /// 1-based line, when the parser provided one.
    public var line: Int?
    /// 1-based column (in Unicode scalars), when the parser provided one.
    public var column: Int?
    /// The id of the step the problem belongs to, if any.
    public var stepID: String?
    /// Path of the offending field, like `steps[2].retries.initial`.
    public var field: String?
    /// What kind of problem this is.
    public var code: Code
    /// What is wrong, in one sentence.
    public var message: String
    /// How to fix it, when there is something useful to say.
    public var hint: String?

    /// Creates a problem; location fields are usually filled in later from the source map.
    public init(
        file: String,
        line: Int? = nil,
        column: Int? = nil,
        stepID: String? = nil,
        field: String? = nil,
        code: Code,
        message: String,
        hint: String? = nil
    ) {
        self.file = file
        self.line = line
        self.column = column
        self.stepID = stepID
        self.field = field
        self.code = code
        self.message = message
        self.hint = hint
    }

    /// Compiler-style rendering: `flow.yaml:12:5: step 'api': unknown key 'dependOn' — did you mean 'dependsOn'?`.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if let stepID, !stepID.isEmpty { text += "step '\(stepID)': " }
        text += message
        if let hint { text += " — \(hint)" }
        return text
    }
}

extension WorkflowProblem {
    /// Orders problems by position in the file; problems without a line keep their discovery order
    /// after the located ones.
    static func sortedByLocation(_ problems: [WorkflowProblem]) -> [WorkflowProblem] {
        problems.enumerated().sorted { lhs, rhs in
            let left = (lhs.element.line ?? Int.max, lhs.element.column ?? Int.max, lhs.offset)
            let right = (rhs.element.line ?? Int.max, rhs.element.column ?? Int.max, rhs.offset)
            return left < right
        }.map(\.element)
    }
}
