extension WorkflowDecoder {
    /// Records a problem at `node`'s position.
    mutating func report(
        _ code: WorkflowProblem.Code,
        at node: YAMLNode?,
        field: String,
        stepID: String?,
        _ message: String,
        hint: String? = nil
    ) {
        problems.append(WorkflowProblem(
            file: file, line: node?.mark.line, column: node?.mark.column, stepID: stepID,
            field: field.isEmpty ? nil : field, code: code, message: message, hint: hint
        ))
    }

    /// The last component of a path, for messages (`steps[2].retries.initial` → `initial`).
    static func fieldName(_ path: String) -> String {
        guard let cut = path.lastIndex(of: ".") else { return path.isEmpty ? "document" : path }
        return String(path[path.index(after: cut)...])
    }

    /// How a node looks, for type mismatch messages.
    static func shape(of node: YAMLNode) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let scalar):
            if scalar.style == .plain {
                if isNull(scalar) { return "nothing" }
                if Int(scalar.string) != nil { return "a number" }
                if plainBool(scalar.string) != nil { return "a boolean" }
            }
            return "a string"
        }
    }

    static func isNull(_ scalar: YAMLNode.Scalar) -> Bool {
        scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    static func isNull(_ node: YAMLNode) -> Bool {
        if case .scalar(let scalar) = node { return isNull(scalar) }
        return false
    }

    static func plainBool(_ text: String) -> Bool? {
        switch text {
        case "true", "True", "TRUE": true
        case "false", "False", "FALSE": false
        default: nil
        }
    }

    mutating func mismatch(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?, expected: String, hint: String? = nil) {
        report(.typeMismatch, at: node, field: path(), stepID: stepID,
               "'\(Self.fieldName(path()))' must be \(expected), found \(Self.shape(of: node))", hint: hint)
    }

    /// The key/value pairs of a mapping in order (null values dropped), with string keys only.
    mutating func orderedMapping(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?, what: String) -> [(String, YAMLNode)]? {
        guard case .mapping(let mapping) = node else {
            mismatch(node, at: path(), stepID: stepID, expected: what)
            return nil
        }
        var pairs: [(String, YAMLNode)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(.typeMismatch, at: keyNode, field: path(), stepID: stepID, "keys of '\(Self.fieldName(path()))' must be strings")
                continue
            }
            if !Self.isNull(value) { pairs.append((key.string, value)) }
        }
        return pairs
    }

    /// A mapping restricted to `allowed` keys; unknown keys are reported with a suggestion.
    /// `allowedSet`, the same keys as a set, makes the membership test a hash for long key lists
    /// (a step's) decoded many times.
    mutating func fields(
        of node: YAMLNode, at path: @autoclosure () -> String, allowed: [String], allowedSet: Set<String>? = nil, stepID: String?, what: String
    ) -> MappingFields? {
        guard case .mapping(let mapping) = node else {
            mismatch(node, at: path(), stepID: stepID, expected: what)
            return nil
        }
        let isAllowed = { (key: String) in allowedSet?.contains(key) ?? allowed.contains(key) }
        for (keyNode, _) in mapping {
            guard case .scalar(let key) = keyNode, !isAllowed(key.string) else { continue }
            let childPath = path().isEmpty ? key.string : "\(path()).\(key.string)"
            report(.unknownKey, at: keyNode, field: childPath, stepID: stepID, "unknown key '\(key.string)'",
                   hint: KeySuggester.hint(for: key.string, among: allowed)
                       ?? "allowed keys: \(allowed.joined(separator: ", "))")
        }
        var result = MappingFields()
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else {
                report(.typeMismatch, at: keyNode, field: path(), stepID: stepID, "keys of '\(Self.fieldName(path()))' must be strings")
                continue
            }
            if !Self.isNull(value), isAllowed(key.string) { result.append(key.string, value) }
        }
        return result
    }

    mutating func sequence(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?, what: String, hint: String? = nil) -> [YAMLNode]? {
        guard case .sequence(let items) = node else {
            mismatch(node, at: path(), stepID: stepID, expected: what, hint: hint)
            return nil
        }
        return Array(items)
    }

    /// Any scalar as text (numbers and booleans keep their spelling, e.g. `1.0`).
    mutating func string(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> String? {
        guard case .scalar(let scalar) = node else {
            mismatch(node, at: path(), stepID: stepID, expected: "a string")
            return nil
        }
        return scalar.string
    }

    mutating func int(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> Int? {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string.trimmingWhitespace()) else {
            mismatch(node, at: path(), stepID: stepID, expected: "an integer")
            return nil
        }
        return value
    }

    mutating func bool(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> Bool? {
        guard case .scalar(let scalar) = node, let value = Self.plainBool(scalar.string) else {
            mismatch(node, at: path(), stepID: stepID, expected: "true or false")
            return nil
        }
        return value
    }

    /// A duration: a bare integer (seconds) or text such as `500ms`, `10m`, `1h30m`.
    mutating func duration(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> Duration? {
        guard case .scalar(let scalar) = node else {
            mismatch(node, at: path(), stepID: stepID, expected: "a duration such as 30s")
            return nil
        }
        do {
            return try DurationParser.parse(scalar.string)
        } catch {
            report(.badDuration, at: node, field: path(), stepID: stepID, "'\(Self.fieldName(path()))': \(error.description)",
                   hint: "write e.g. 500ms, 30s, 10m, 1h30m or a whole number of seconds")
            return nil
        }
    }

    mutating func stringList(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?, what: String, hint: String? = nil) -> [String] {
        guard let items = sequence(node, at: path(), stepID: stepID, what: what, hint: hint) else { return [] }
        return items.enumerated().compactMap { index, item in string(item, at: "\(path())[\(index)]", stepID: stepID) }
    }

    mutating func stringMap(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?, what: String) -> [String: String] {
        var result: [String: String] = [:]
        for (key, value) in orderedMapping(node, at: path(), stepID: stepID, what: what) ?? [] {
            if let text = string(value, at: "\(path()).\(key)", stepID: stepID) { result[key] = text }
        }
        return result
    }

    /// One `with:` value, keeping plain numbers and booleans typed.
    mutating func argument(_ node: YAMLNode, at path: @autoclosure () -> String, stepID: String?) -> Step.Argument? {
        guard case .scalar(let scalar) = node else {
            mismatch(node, at: path(), stepID: stepID, expected: "a string, number or boolean")
            return nil
        }
        guard scalar.style == .plain else { return .string(scalar.string) }
        if let value = Self.plainBool(scalar.string) { return .bool(value) }
        if let value = Int(scalar.string) { return .integer(value) }
        if scalar.string.contains(where: \.isASCIIDigit), let value = Double(scalar.string), value.isFinite {
            return .number(value)
        }
        return .string(scalar.string)
    }
}
