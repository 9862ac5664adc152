/// One line a task wrote to the file named in `QREW_PROGRESS`: `42%`, `42% copying files`,
/// `copying files` (a message alone), or `42.5%` (rounded down). A percentage is clamped to
/// 0...100; a line of only whitespace, or one with control characters other than tab, is not
/// progress; a message is cut to ``maximumMessageBytes``.
public struct ProgressUpdate: Sendable, Equatable {
    /// The percentage done, when the line gave one.
    public var percent: Int?
    /// The message, when the line had text besides the percentage.
    public var message: String?

    /// Longest message kept, in UTF-8 bytes (cut at a character boundary).
    public static let maximumMessageBytes = 512

    public init(percent: Int? = nil, message: String? = nil) {
        self.percent = percent
        self.message = message
    }

    /// Parses one line (without its newline); nil when the line is not progress.
    public init?(line: Substring) {
        var line = line
        while line.last == "\r" { line.removeLast() }
        let trimmed = line.drop(while: { $0 == " " || $0 == "\t" })
        guard !trimmed.isEmpty,
              !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\t" })
        else { return nil }
        var rest = trimmed
        var percent: Int?
        if let sign = trimmed.firstIndex(of: "%") {
            let number = trimmed[..<sign]
            if !number.isEmpty, number.count <= 24, let value = Double(number), value.isFinite {
                percent = Int(min(100, max(0, value)).rounded(.down))
                rest = trimmed[trimmed.index(after: sign)...]
            }
        }
        let message = rest.drop(while: { $0 == " " || $0 == "\t" })
        var text = String(message)
        while text.last == " " || text.last == "\t" { text.removeLast() }
        if text.utf8.count > Self.maximumMessageBytes {
            var cut = ""
            for character in text {
                guard cut.utf8.count + character.utf8.count <= Self.maximumMessageBytes else { break }
                cut.append(character)
            }
            text = cut
        }
        guard percent != nil || !text.isEmpty else { return nil }
        self.percent = percent
        self.message = text.isEmpty ? nil : text
    }
}
