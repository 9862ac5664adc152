/// Why `TaskSpec(jsonText:)` could not read a spec. Field paths are dotted, with indices and
/// quoted keys for elements: `retry.backoff`, `run[2]`, `env["HOME"]`.
public enum TaskSpecDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The text is not JSON at all.
    case malformedJSON(JSONReaderError)
    /// A required field is absent.
    case missingField(String)
    /// A field holds the wrong kind of value or one out of range; the path is empty for the
    /// top level.
    case invalidField(String, expected: String, got: String)

    public var description: String {
        switch self {
        case .malformedJSON(let error): "malformed JSON: \(error)"
        case .missingField(let path): "\(path): missing"
        case .invalidField(let path, let expected, let got) where path.isEmpty: "expected \(expected), got \(got)"
        case .invalidField(let path, let expected, let got): "\(path): expected \(expected), got \(got)"
        }
    }
}
