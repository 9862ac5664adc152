import Crypto
import Foundation

/// One HMAC-SHA256 key for task signatures, with the id that signatures name it by.
public struct SigningKey: Sendable {
    /// Names the key in each signature (`<id>:<mac>`), so workers know which key to check with.
    public let id: String
    /// HMAC-SHA256 under this key, keyed once (swift-crypto's `SymmetricKey` is not `Sendable`
    /// on Linux; `KeyedMAC` holds its keyed state instead).
    let mac: KeyedMAC

    /// Fewest key bytes accepted: HMAC-SHA256 is as strong as its key up to 32 bytes.
    public static let minimumBytes = 32
    /// Most key bytes accepted (anything longer is hashed down by HMAC anyway).
    public static let maximumBytes = 1024
    /// Longest key id.
    public static let maximumIDLength = 32

    /// A key from its id and bytes, refusing a bad id and a short or weak key.
    public init(id: String, bytes: [UInt8]) throws(SigningKeyError) {
        guard Self.isValidID(id) else { throw .badKeyID(id) }
        guard bytes.count >= Self.minimumBytes else { throw .shortKey(id: id, bytes: bytes.count) }
        guard bytes.count <= Self.maximumBytes else { throw .longKey(id: id, bytes: bytes.count) }
        guard Set(bytes).count >= 8 else { throw .weakKey(id: id) }
        self.id = id
        self.mac = KeyedMAC(key: bytes)
    }

    /// Key ids: letters, digits, `-`, `_`, `.`, 1 to 32 of them (no `:`, which ends the id in a signature).
    public static func isValidID(_ id: String) -> Bool {
        PlainName.isValid(id, maxLength: maximumIDLength)
    }

    /// A fresh random 256-bit key as a key-file line, `<id>:<base64 key>` (`qctl signing-key new`).
    public static func newKeyLine(id: String) throws(SigningKeyError) -> String {
        guard isValidID(id) else { throw .badKeyID(id) }
        let bytes = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        return "\(id):\(bytes.base64EncodedString())"
    }
}

/// The keys a coordinator signs with and a worker accepts: the current key and, while a rotation
/// is under way, the previous one.
///
/// Key file format (docs/security.md, *Signed tasks*): one key per line, `<id>:<base64 key>`;
/// the first is the current key (coordinators sign with it), an optional second is the previous
/// key (still accepted by workers and coordinators). Blank lines and lines starting with `#` are
/// ignored.
public struct SigningKeyring: Sendable {
    /// The key new signatures are made with.
    public let current: SigningKey
    /// The key signatures made before the last rotation still verify with; nil when none.
    public let previous: SigningKey?

    public init(current: SigningKey, previous: SigningKey? = nil) {
        self.current = current
        self.previous = previous
    }

    /// Parses a key file's text; `source` names the file in errors.
    public init(parsing text: String, source: String) throws(SigningKeyError) {
        var keys: [SigningKey] = []
        for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces.union(.init(charactersIn: "\r")))
            if line.isEmpty || line.hasPrefix("#") { continue }
            let lineNumber = index + 1
            guard let colon = line.firstIndex(of: ":") else {
                throw .badLine(source: source, line: lineNumber, reason: "expected '<key id>:<base64 key>'")
            }
            let id = String(line[..<colon])
            let encoded = String(line[line.index(after: colon)...])
            guard let data = Data(base64Encoded: encoded) else {
                throw .badLine(source: source, line: lineNumber, reason: "the key of '\(id)' is not base64")
            }
            do {
                keys.append(try SigningKey(id: id, bytes: Array(data)))
            } catch {
                throw .badLine(source: source, line: lineNumber, reason: error.description)
            }
        }
        guard let current = keys.first else { throw .noKey(source: source) }
        guard keys.count <= 2 else {
            throw .badLine(source: source, line: 0, reason: "\(keys.count) keys; a key file holds the current key and at most one previous key")
        }
        if keys.count == 2, keys[1].id == current.id {
            throw .badLine(source: source, line: 0, reason: "the current and previous keys share the id '\(current.id)'")
        }
        self.init(current: current, previous: keys.count == 2 ? keys[1] : nil)
    }

    /// The key named `id`, when it is the current or the previous one.
    func key(id: String) -> SigningKey? {
        if id == current.id { return current }
        if let previous, previous.id == id { return previous }
        return nil
    }
}

/// Why a key or key file was refused.
public enum SigningKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    case badKeyID(String)
    case shortKey(id: String, bytes: Int)
    case longKey(id: String, bytes: Int)
    case weakKey(id: String)
    case badLine(source: String, line: Int, reason: String)
    case noKey(source: String)
    case unreadable(source: String, reason: String)

    public var description: String {
        switch self {
        case .badKeyID(let id):
            "key id '\(id)' is not valid: use 1 to \(SigningKey.maximumIDLength) letters, digits, '-', '_' or '.'"
        case .shortKey(let id, let bytes):
            "key '\(id)' is \(bytes) bytes; at least \(SigningKey.minimumBytes) are needed (make one with 'qctl signing-key new')"
        case .longKey(let id, let bytes):
            "key '\(id)' is \(bytes) bytes; at most \(SigningKey.maximumBytes) are accepted"
        case .weakKey(let id):
            "key '\(id)' is too regular to be random (fewer than 8 distinct bytes); make one with 'qctl signing-key new'"
        case .badLine(let source, let line, let reason):
            line > 0 ? "\(source):\(line): \(reason)" : "\(source): \(reason)"
        case .noKey(let source):
            "\(source): no key; expected a line '<key id>:<base64 key>' (make one with 'qctl signing-key new')"
        case .unreadable(let source, let reason):
            "cannot read the signing key file \(source): \(reason)"
        }
    }
}
