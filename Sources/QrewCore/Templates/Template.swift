/// A string parsed into literal text and `${{ ... }}` references.
///
/// Parsing once lets validation find every reference and rendering substitute without re-scanning.
public struct Template: Sendable, Hashable {
    /// A piece of a template.
    public enum Segment: Sendable, Hashable {
        /// Text copied as is.
        case literal(String)
        /// A reference, substituted when rendered.
        case reference(TemplateReference)
    }

    /// The pieces in order.
    public var segments: [Segment]

    /// The references in order of appearance.
    public var references: [TemplateReference] {
        segments.compactMap { segment in
            if case .reference(let reference) = segment { reference } else { nil }
        }
    }

    /// Whether `text` could contain a template at all (fast path for the common plain string).
    public static func mayContainReference(_ text: String) -> Bool {
        var (beforeLast, last): (UInt8, UInt8) = (0, 0)
        for byte in text.utf8 {
            if byte == UInt8(ascii: "{"), last == UInt8(ascii: "{"), beforeLast == UInt8(ascii: "$") { return true }
            (beforeLast, last) = (last, byte)
        }
        return false
    }

    /// Parses `text`; whitespace inside the braces is optional.
    public init(parsing text: String) throws(TemplateError) {
        var segments: [Segment] = []
        let utf8 = text.utf8
        var literalStart = utf8.startIndex
        while let open = Self.find(Self.opening, in: utf8, from: literalStart) {
            if open > literalStart { segments.append(.literal(String(text[literalStart..<open]))) }
            let afterOpen = utf8.index(open, offsetBy: Self.opening.count)
            guard let close = Self.find(Self.closing, in: utf8, from: afterOpen) else { throw .unterminated(text) }
            let expression = String(text[afterOpen..<close]).trimmingWhitespace()
            segments.append(.reference(try TemplateReference.parse(expression: expression)))
            literalStart = utf8.index(close, offsetBy: Self.closing.count)
        }
        if literalStart < utf8.endIndex { segments.append(.literal(String(text[literalStart...]))) }
        self.segments = segments
    }

    private static let opening = Array("${{".utf8)
    private static let closing = Array("}}".utf8)

    /// The first index at or after `start` where `needle` (ASCII, so always on a character
    /// boundary) begins. A byte scan: `firstRange(of:)` on `Substring` cost more than the rest
    /// of decomposing a matrix step.
    private static func find(_ needle: [UInt8], in utf8: String.UTF8View, from start: String.Index) -> String.Index? {
        var index = start
        while index < utf8.endIndex {
            if utf8[index] == needle[0] {
                var candidate = index
                var matched = 0
                while matched < needle.count, candidate < utf8.endIndex, utf8[candidate] == needle[matched] {
                    matched += 1
                    candidate = utf8.index(after: candidate)
                }
                if matched == needle.count { return index }
            }
            index = utf8.index(after: index)
        }
        return nil
    }
}
