/// A text Foundation's JSON readers trap on (Swift 6.3.1, `JSONError.SourceLocation`): arrays
/// nested until it ends at the 513th level, with a newline on the way. Tests store it where a
/// service reads JSON it did not write, to show it is refused there, never a crash.
public enum FoundationTrap {
    public static let text = #"{"a":"# + String(repeating: "[", count: 200) + "\n" + String(repeating: "[", count: 312)
}
