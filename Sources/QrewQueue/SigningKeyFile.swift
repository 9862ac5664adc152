import Foundation
import QrewCore

/// Reading a signing key file (`--signing-key-file`, `QREW_SIGNING_KEY_FILE`) for the
/// coordinator, workers and the tools that start them.
public enum SigningKeyFile {
    /// The environment variable naming the key file when the flag is not given.
    public static let environmentVariable = "QREW_SIGNING_KEY_FILE"
    /// Largest key file read: two keys and comments fit many times over.
    static let maximumBytes = 64 << 10

    /// The keyring in the file at `path`.
    public static func load(_ path: String) throws(SigningKeyError) -> SigningKeyring {
        let data: Data
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let size = attributes[.size] as? Int, size > maximumBytes {
                throw SigningKeyError.unreadable(source: path, reason: "\(size) bytes; a key file is at most \(maximumBytes)")
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as SigningKeyError {
            throw error
        } catch {
            throw .unreadable(source: path, reason: (error as NSError).localizedDescription)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(source: path, reason: "not UTF-8 text")
        }
        return try SigningKeyring(parsing: text, source: path)
    }

    /// The signer of `namespace` from `flag` (a path) over `QREW_SIGNING_KEY_FILE`; nil when
    /// neither is set (tasks are neither signed nor checked).
    public static func signer(flag: String?, environment: [String: String], namespace: String) throws(SigningKeyError) -> TaskSigner? {
        guard let path = flag ?? environment[environmentVariable].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        return TaskSigner(keyring: try load(path), namespace: namespace)
    }
}
