/// Prepares JSON text for the YAML parser.
///
/// JSON is YAML flow syntax except that JSON allows tabs as indentation, which libyaml rejects
/// ("found character that cannot start any token"). Tabs outside string literals are replaced by
/// single spaces, so lines and columns still match the original file.
enum JSONText {
    /// `text` with tabs outside strings turned into spaces if it looks like JSON; otherwise unchanged.
    static func normalizingTabs(in text: String) -> String {
        guard let first = text.unicodeScalars.first(where: { !$0.properties.isWhitespace }),
              first == "{" || first == "[",
              text.unicodeScalars.contains("\t") else { return text }
        var output = String.UnicodeScalarView()
        var inString = false
        var escaped = false
        for scalar in text.unicodeScalars {
            if inString {
                if escaped {
                    escaped = false
                } else if scalar == "\\" {
                    escaped = true
                } else if scalar == "\"" {
                    inString = false
                }
                output.append(scalar)
            } else {
                if scalar == "\"" { inString = true }
                output.append(scalar == "\t" ? " " : scalar)
            }
        }
        return String(output)
    }
}
