/// Replaces secret values with `***` in text a task produced (output lines, its output, error
/// messages) before any of it leaves the worker.
///
/// Each value is matched whole and, for a multi-line value, line by line too (output is
/// streamed line by line, so a printed multi-line secret arrives in pieces). Longer values are
/// replaced first, so one value that contains another is not half masked. Pieces shorter than
/// ``minimumLength`` are not matched on their own (masking every `ab` would garble the output
/// and tell where the secret is); a whole value that short is refused before the task runs
/// (``tooShort(_:)``). Pure: no I/O, so it is tested alone.
public struct SecretRedactor: Sendable {
    /// What a secret value is replaced with.
    public static let mask = "***"
    /// The shortest value (or line of a multi-line value) that is masked; a secret shorter than
    /// this cannot be redacted reliably, so a task using one is refused.
    public static let minimumLength = 4

    /// The byte patterns to mask, longest first.
    private let patterns: [[UInt8]]

    /// A redactor for `values` (empty values are ignored).
    public init(values: some Sequence<String>) {
        var set = Set<[UInt8]>()
        for value in values {
            let bytes = Array(value.utf8)
            if bytes.count >= Self.minimumLength { set.insert(bytes) }
            guard value.contains(where: \.isNewline) else { continue }
            for line in value.split(whereSeparator: \.isNewline) {
                let piece = Array(line.utf8)
                if piece.count >= Self.minimumLength { set.insert(piece) }
            }
        }
        patterns = set.sorted { $0.count != $1.count ? $0.count > $1.count : $0.lexicographicallyPrecedes($1) }
    }

    /// Redacts a line delivered in pieces (a line too long to stream whole): each piece is
    /// redacted with what the previous one held back, and the last bytes of a piece that is
    /// continued are held back in turn, so a value cut between two pieces is still masked.
    public struct Pieces: Sendable {
        private let redactor: SecretRedactor
        private var carry = ""

        /// Pieces redacted by `redactor`.
        public init(_ redactor: SecretRedactor) {
            self.redactor = redactor
        }

        /// The redacted text to deliver for `text`; nil when all of it is held back until the
        /// next piece. `continues` says whether another piece of the same line follows.
        public mutating func redact(_ text: String, continues: Bool) -> String? {
            let redacted = redactor.redact(carry.isEmpty ? text : carry + text)
            carry = ""
            guard continues else { return redacted }
            // No match can start before the held-back bytes and end after them.
            let keep = (redactor.patterns.first?.count ?? 1) - 1
            let utf8 = redacted.utf8
            guard utf8.count > keep else {
                carry = redacted
                return nil
            }
            var cut = utf8.index(utf8.endIndex, offsetBy: -keep)
            while cut > utf8.startIndex, utf8[cut] & 0xC0 == 0x80 { cut = utf8.index(before: cut) }
            carry = String(redacted[cut...])
            return String(redacted[..<cut])
        }
    }

    /// True when there is nothing to mask (the common task without secrets).
    public var isEmpty: Bool { patterns.isEmpty }

    /// The secret names whose values are too short to be redacted, sorted.
    public static func tooShort(_ secrets: [String: String]) -> [String] {
        secrets.filter { $0.value.utf8.count < minimumLength }.keys.sorted()
    }

    /// `text` with every secret value replaced by ``mask``. With `truncated` (the text was cut at
    /// a size limit), a tail that is the beginning of a secret is masked too, so a cut cannot
    /// leave the first bytes of a value behind.
    public func redact(_ text: String, truncated: Bool = false) -> String {
        guard !patterns.isEmpty, !text.isEmpty else { return text }
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var changed = false
        var index = 0
        scan: while index < bytes.count {
            for pattern in patterns where Self.matches(pattern, in: bytes, at: index) {
                output += Self.mask.utf8
                index += pattern.count
                changed = true
                continue scan
            }
            if truncated, patterns.contains(where: { Self.isCutPrefix($0, of: bytes, at: index) }) {
                output += Self.mask.utf8
                changed = true
                break
            }
            output.append(bytes[index])
            index += 1
        }
        return changed ? String(decoding: output, as: UTF8.self) : text
    }

    private static func matches(_ pattern: [UInt8], in bytes: [UInt8], at index: Int) -> Bool {
        guard bytes.count - index >= pattern.count, bytes[index] == pattern[0] else { return false }
        for offset in 1..<pattern.count where bytes[index + offset] != pattern[offset] { return false }
        return true
    }

    /// Whether the rest of `bytes` from `index` (shorter than `pattern`) is how `pattern` begins.
    private static func isCutPrefix(_ pattern: [UInt8], of bytes: [UInt8], at index: Int) -> Bool {
        let rest = bytes.count - index
        guard rest > 0, rest < pattern.count else { return false }
        for offset in 0..<rest where bytes[index + offset] != pattern[offset] { return false }
        return true
    }
}
