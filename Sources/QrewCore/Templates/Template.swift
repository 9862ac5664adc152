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
    static func mayContainReference(_ text: String) -> Bool {
        text.utf8.contains(UInt8(ascii: "$")) && text.contains("${{")
    }

    /// Parses `text`; whitespace inside the braces is optional.
    public init(parsing text: String) throws(TemplateError) {
        var segments: [Segment] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${{") {
            if open.lowerBound > rest.startIndex {
                segments.append(.literal(String(rest[rest.startIndex..<open.lowerBound])))
            }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else { throw .unterminated(text) }
            let expression = String(afterOpen[afterOpen.startIndex..<close.lowerBound]).trimmingWhitespace()
            segments.append(.reference(try TemplateReference.parse(expression: expression)))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { segments.append(.literal(String(rest))) }
        self.segments = segments
    }
}
