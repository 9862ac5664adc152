/// Names that become parts of Redis keys and refs (run ids, signing key ids): ASCII letters,
/// digits, `-`, `_` and `.`, so they never hold a separator (`:`, `/`), a glob character or space.
public enum PlainName {
    /// True for 1 to `maxLength` bytes, each a letter, digit, `-`, `_` or `.`.
    public static func isValid(_ name: String, maxLength: Int) -> Bool {
        (1...maxLength).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
                true
            default:
                false
            }
        }
    }
}
