/// A parsed `if:` expression (GitHub Actions' expression syntax, the subset in
/// docs/workflow-reference.md, *Conditions*). Parentheses leave no trace: `description` prints
/// the ones the operators' precedence needs, so printing and parsing give the same tree back.
public indirect enum ConditionExpression: Sendable, Hashable, CustomStringConvertible {
    case literal(ConditionValue)
    /// `steps.ID.state`: the final state of a dependency.
    case stepState(String)
    /// `steps.ID.output`: a dependency's output (newline-joined over a matrix step's tasks).
    case stepOutput(String)
    /// `params.NAME`.
    case param(String)
    /// `matrix.KEY`: the task's own matrix value.
    case matrix(String)
    case call(ConditionFunction, [ConditionExpression])
    case not(ConditionExpression)
    case equal(ConditionExpression, ConditionExpression)
    case notEqual(ConditionExpression, ConditionExpression)
    case and(ConditionExpression, ConditionExpression)
    case or(ConditionExpression, ConditionExpression)

    public var description: String {
        switch self {
        case .literal(let value): value.literalText
        case .stepState(let id): "steps.\(id).state"
        case .stepOutput(let id): "steps.\(id).output"
        case .param(let name): "params.\(name)"
        case .matrix(let key): "matrix.\(key)"
        case .call(let function, let arguments):
            "\(function.rawValue)(\(arguments.map(\.description).joined(separator: ", ")))"
        case .not(let operand): "!\(operand.printed(atLeast: 4))"
        case .equal(let lhs, let rhs): "\(lhs.printed(atLeast: 3)) == \(rhs.printed(atLeast: 4))"
        case .notEqual(let lhs, let rhs): "\(lhs.printed(atLeast: 3)) != \(rhs.printed(atLeast: 4))"
        case .and(let lhs, let rhs): "\(lhs.printed(atLeast: 2)) && \(rhs.printed(atLeast: 3))"
        case .or(let lhs, let rhs): "\(lhs.printed(atLeast: 1)) || \(rhs.printed(atLeast: 2))"
        }
    }

    /// How tightly the expression binds: `||` 1, `&&` 2, comparisons 3, `!` 4, the rest 5.
    private var precedence: Int {
        switch self {
        case .or: 1
        case .and: 2
        case .equal, .notEqual: 3
        case .not: 4
        default: 5
        }
    }

    /// The text, parenthesized only where the operators are left-associative or bind looser
    /// than `precedence` requires, so printing adds no nesting a chain like `a && b && c` did not have.
    private func printed(atLeast precedence: Int) -> String {
        self.precedence < precedence ? "(\(description))" : description
    }

    /// Whether the expression calls a status function (`success()`, `failure()`, `always()`);
    /// one that does not is checked as `success() && (expression)`, as in GitHub Actions.
    public var callsStatusFunction: Bool {
        switch self {
        case .call(let function, let arguments):
            function.isStatusFunction || arguments.contains { $0.callsStatusFunction }
        case .not(let operand): operand.callsStatusFunction
        case .equal(let lhs, let rhs), .notEqual(let lhs, let rhs), .and(let lhs, let rhs), .or(let lhs, let rhs):
            lhs.callsStatusFunction || rhs.callsStatusFunction
        default: false
        }
    }

    /// Every `steps.ID` the expression reads, in order of first mention.
    public var referencedSteps: [String] {
        var seen: [String] = []
        visit { node in
            if case .stepState(let id) = node, !seen.contains(id) { seen.append(id) }
            if case .stepOutput(let id) = node, !seen.contains(id) { seen.append(id) }
        }
        return seen
    }

    /// Every `params.NAME` and `matrix.KEY` the expression reads.
    public var referencedParams: [String] { collect { if case .param(let name) = $0 { name } else { nil } } }
    public var referencedMatrixKeys: [String] { collect { if case .matrix(let key) = $0 { key } else { nil } } }

    /// The expression with `params.*` and `matrix.*` replaced by their values (string literals),
    /// done when a run is decomposed so the worker needs only the steps' states and outputs.
    public func substituting(params: [String: String], matrix: [String: String]) -> ConditionExpression {
        switch self {
        case .param(let name): .literal(.string(params[name] ?? ""))
        case .matrix(let key): .literal(.string(matrix[key] ?? ""))
        case .literal, .stepState, .stepOutput: self
        case .call(let function, let arguments):
            .call(function, arguments.map { $0.substituting(params: params, matrix: matrix) })
        case .not(let operand): .not(operand.substituting(params: params, matrix: matrix))
        case .equal(let lhs, let rhs):
            .equal(lhs.substituting(params: params, matrix: matrix), rhs.substituting(params: params, matrix: matrix))
        case .notEqual(let lhs, let rhs):
            .notEqual(lhs.substituting(params: params, matrix: matrix), rhs.substituting(params: params, matrix: matrix))
        case .and(let lhs, let rhs):
            .and(lhs.substituting(params: params, matrix: matrix), rhs.substituting(params: params, matrix: matrix))
        case .or(let lhs, let rhs):
            .or(lhs.substituting(params: params, matrix: matrix), rhs.substituting(params: params, matrix: matrix))
        }
    }

    private func collect(_ pick: (ConditionExpression) -> String?) -> [String] {
        var found: [String] = []
        visit { if let name = pick($0), !found.contains(name) { found.append(name) } }
        return found
    }

    private func visit(_ body: (ConditionExpression) -> Void) {
        body(self)
        switch self {
        case .call(_, let arguments): for argument in arguments { argument.visit(body) }
        case .not(let operand): operand.visit(body)
        case .equal(let lhs, let rhs), .notEqual(let lhs, let rhs), .and(let lhs, let rhs), .or(let lhs, let rhs):
            lhs.visit(body)
            rhs.visit(body)
        default: break
        }
    }
}

/// The functions an `if:` expression may call.
public enum ConditionFunction: String, Sendable, Hashable, CaseIterable {
    case success, failure, always, contains, startsWith, fromJSON

    /// How many arguments the function takes.
    public var arity: Int {
        switch self {
        case .success, .failure, .always: 0
        case .fromJSON: 1
        case .contains, .startsWith: 2
        }
    }

    var isStatusFunction: Bool { self == .success || self == .failure || self == .always }
}

/// Encoded as its text (`description`), decoded by parsing it.
extension ConditionExpression: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try ConditionParser.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
