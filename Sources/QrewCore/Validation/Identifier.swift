/// The lexical rules for names in a workflow, checked on UTF-8 bytes because they run once per
/// step on 100,000-step workflows.
enum Identifier {
    /// Step ids: `^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$` (they appear in task ids and Redis keys).
    static func isValidStepID(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            let allowed = count == 0 ? isAlphanumeric(byte) : isAlphanumeric(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
            guard allowed else { return false }
            count += 1
            if count > 64 { return false }
        }
        return count > 0
    }

    /// Parameter names, matrix keys and pool names: `^[A-Za-z_][A-Za-z0-9_-]{0,63}$`.
    static func isValidName(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            let letterOrUnderscore = isLetter(byte) || byte == UInt8(ascii: "_")
            let allowed = count == 0 ? letterOrUnderscore : letterOrUnderscore || isDigit(byte) || byte == UInt8(ascii: "-")
            guard allowed else { return false }
            count += 1
            if count > 64 { return false }
        }
        return count > 0
    }

    /// Environment variable names: `^[A-Za-z_][A-Za-z0-9_]*$`.
    static func isValidEnvironmentName(_ text: String) -> Bool {
        var isFirst = true
        for byte in text.utf8 {
            let letterOrUnderscore = isLetter(byte) || byte == UInt8(ascii: "_")
            guard isFirst ? letterOrUnderscore : letterOrUnderscore || isDigit(byte) else { return false }
            isFirst = false
        }
        return !isFirst
    }

    /// Registered handler names: `^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$`.
    static func isValidHandlerName(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            let punctuation = byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            guard count == 0 ? isAlphanumeric(byte) : isAlphanumeric(byte) || punctuation else { return false }
            count += 1
            if count > 128 { return false }
        }
        return count > 0
    }

    /// Whether a matrix value can appear inside a task id `step[key=value,...]` unambiguously.
    static func isValidMatrixValue(_ text: String) -> Bool {
        !text.isEmpty && !text.utf8.contains { byte in
            byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: ",")
                || byte == UInt8(ascii: "=") || byte < 0x20
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte)
    }
}
