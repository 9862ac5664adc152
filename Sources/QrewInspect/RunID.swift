import Foundation

/// Run ids name Redis keys and task refs (`<run>/<task>`), so they are restricted to letters,
/// digits, `-`, `_` and `.`, at most 128 characters (the coordinator drops anything else).
public enum RunID {
    public static func isValid(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 128 && id.unicodeScalars.allSatisfy(isAllowed)
    }

    /// `<name>-<yyyyMMdd-HHmmss>-<4 hex>` in UTC: short, sorts by submission time, and unique
    /// enough for people submitting by hand.
    public static func generate(workflowName: String, now: Date = Date()) -> String {
        var name = String(String.UnicodeScalarView(workflowName.unicodeScalars.map { isAllowed($0) ? $0 : "-" }).prefix(64))
        if name.isEmpty { name = "run" }
        let stamp = Timestamp.compactUTC(milliseconds: Int(now.timeIntervalSince1970 * 1000))
        let suffix = String(UInt16.random(in: .min ... .max), radix: 16)
        return "\(name)-\(stamp)-\(String(repeating: "0", count: 4 - suffix.count))\(suffix)"
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": true
        default: false
        }
    }
}
