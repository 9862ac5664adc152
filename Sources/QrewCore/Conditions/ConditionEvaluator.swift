/// What an `if:` expression sees when its step's dependencies have finished.
public struct ConditionContext: Sendable, Hashable {
    /// Final state of each dependency step (every dependency, not only those the expression
    /// names): `succeeded`, `failed`, `timed_out`, `lost`, `skipped` or `canceled`.
    public var states: [String: String]
    /// Output of each dependency step.
    public var outputs: [String: String]
    /// Dependency steps with `continueOnError` (their failure still counts as `success()`).
    public var tolerated: Set<String>

    public init(states: [String: String], outputs: [String: String] = [:], tolerated: Set<String> = []) {
        self.states = states
        self.outputs = outputs
        self.tolerated = tolerated
    }

    static let failedStates: Set<String> = ["failed", "timed_out", "lost"]

    /// `success()`: every dependency succeeded, or failed with `continueOnError` (today's rule).
    public var success: Bool {
        states.allSatisfy { step, state in state == "succeeded" || (tolerated.contains(step) && Self.failedStates.contains(state)) }
    }

    /// `failure()`: some dependency failed, timed out or was lost.
    public var failure: Bool { states.values.contains { Self.failedStates.contains($0) } }

    /// The state one step shows for its tasks' states: all alike, that state; otherwise the first
    /// of failed, timed_out, lost, canceled, skipped that occurs.
    public static func stepState(of taskStates: [String]) -> String {
        guard let first = taskStates.first else { return "skipped" }
        if taskStates.allSatisfy({ $0 == first }) { return first }
        for state in ["failed", "timed_out", "lost", "canceled", "skipped"] where taskStates.contains(state) { return state }
        return first
    }
}

/// Evaluates `if:` expressions. Total: any expression the parser accepts evaluates to a value
/// (recursion is bounded by the parser's depth limit; `fromJSON` of text that is no JSON gives null).
public enum ConditionEvaluator {
    /// Whether a step with condition `expression` runs. Without a status function the
    /// expression is checked as `success() && (expression)`, as GitHub Actions does.
    public static func shouldRun(_ expression: ConditionExpression, in context: ConditionContext) -> Bool {
        if !expression.callsStatusFunction, !context.success { return false }
        return evaluate(expression, in: context).isTruthy
    }

    /// The value of `expression`.
    public static func evaluate(_ expression: ConditionExpression, in context: ConditionContext) -> ConditionValue {
        switch expression {
        case .literal(let value): return value
        case .stepState(let id): return .string(context.states[id] ?? "")
        case .stepOutput(let id): return .string(context.outputs[id] ?? "")
        case .param, .matrix: return .string("")  // substituted when the run is decomposed
        case .not(let operand): return .bool(!evaluate(operand, in: context).isTruthy)
        case .equal(let lhs, let rhs): return .bool(evaluate(lhs, in: context).looselyEquals(evaluate(rhs, in: context)))
        case .notEqual(let lhs, let rhs): return .bool(!evaluate(lhs, in: context).looselyEquals(evaluate(rhs, in: context)))
        case .and(let lhs, let rhs):
            let left = evaluate(lhs, in: context)
            return left.isTruthy ? evaluate(rhs, in: context) : left
        case .or(let lhs, let rhs):
            let left = evaluate(lhs, in: context)
            return left.isTruthy ? left : evaluate(rhs, in: context)
        case .call(let function, let arguments):
            let values = arguments.map { evaluate($0, in: context) }
            return call(function, values, context)
        }
    }

    private static func call(_ function: ConditionFunction, _ values: [ConditionValue], _ context: ConditionContext) -> ConditionValue {
        switch function {
        case .success: return .bool(context.success)
        case .failure: return .bool(context.failure)
        case .always: return .bool(true)
        case .contains:
            guard values.count == 2 else { return .bool(false) }
            if case .array(let items) = values[0] { return .bool(items.contains { $0.looselyEquals(values[1]) }) }
            return .bool(values[0].text.lowercased().contains(values[1].text.lowercased()))
        case .startsWith:
            guard values.count == 2 else { return .bool(false) }
            return .bool(values[0].text.lowercased().hasPrefix(values[1].text.lowercased()))
        case .fromJSON:
            guard let text = values.first?.text, let json = try? JSONReader.parse(text) else { return .null }
            return ConditionValue(json: json, depth: 0)
        }
    }
}

extension ConditionValue {
    /// Most nesting `fromJSON` keeps; deeper values become null.
    static let maximumJSONDepth = 64

    init(json: JSONValue, depth: Int) {
        guard depth <= Self.maximumJSONDepth else {
            self = .null
            return
        }
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .number(let text): self = .number(Double(text) ?? .nan)
        case .string(let value): self = .string(value)
        case .array(let items): self = .array(items.map { ConditionValue(json: $0, depth: depth + 1) })
        case .object(let members):
            var object: [String: ConditionValue] = [:]
            for member in members where object[member.key] == nil {
                object[member.key] = ConditionValue(json: member.value, depth: depth + 1)
            }
            self = .object(object)
        }
    }
}
