import Foundation
import QrewCore

/// Where a worker finds the values of `${{ secrets.NAME }}`: `QREW_SECRET_<NAME>` in its own
/// environment, else the file `NAME` in its `--secrets-dir` (one trailing newline dropped, as
/// files written by editors and `echo` end with one). Read when a task needs them, so a
/// rotated file takes effect with the next task. Values never leave the worker except to the
/// task itself; everything the task produces is redacted (``SecretRedactor``).
public struct SecretSource: Sendable {
    /// The prefix of environment variables holding secrets.
    public static let environmentPrefix = "QREW_SECRET_"

    /// Secrets from the worker's environment, by name.
    private let environment: [String: String]
    /// The `--secrets-dir`, if any.
    public let directory: String?

    /// A source over `environment` (the worker's) and `directory`.
    public init(environment: [String: String], directory: String?) {
        var secrets: [String: String] = [:]
        for (key, value) in environment where key.hasPrefix(Self.environmentPrefix) {
            secrets[String(key.dropFirst(Self.environmentPrefix.count))] = value
        }
        self.environment = secrets
        self.directory = directory
    }

    /// Why the secrets a task needs cannot be provided.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The values of `names`, or a problem naming each missing or unusable one and where it was
    /// looked for.
    public func values(for names: [String]) -> Result<[String: String], Problem> {
        var values: [String: String] = [:]
        var missing: [String] = []
        for name in names {
            if let value = environment[name] ?? fileValue(name) { values[name] = value } else { missing.append(name) }
        }
        if !missing.isEmpty {
            let places = missing.map { name in
                "\(Self.environmentPrefix)\(name) in the worker's environment" + (directory.map { " or the file \($0)/\(name)" } ?? "")
            }
            return .failure(Problem(description: "secret\(missing.count == 1 ? "" : "s") \(missing.map { "'\($0)'" }.joined(separator: ", ")) "
                + "not set on this worker: expected \(places.joined(separator: "; "))"))
        }
        let short = SecretRedactor.tooShort(values)
        if !short.isEmpty {
            return .failure(Problem(description: "secret\(short.count == 1 ? "" : "s") \(short.map { "'\($0)'" }.joined(separator: ", ")) "
                + "shorter than \(SecretRedactor.minimumLength) bytes: too short to be redacted from output reliably, so not used"))
        }
        return .success(values)
    }

    /// The worker's environment without its secrets, for the tasks it starts: a task sees only
    /// the secrets its step puts in `env`.
    public static func withoutSecrets(_ environment: [String: String]) -> [String: String] {
        environment.filter { !$0.key.hasPrefix(environmentPrefix) }
    }

    private func fileValue(_ name: String) -> String? {
        guard let directory, TemplateReference.isSecretName(name),
              let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
        var text = String(decoding: data, as: UTF8.self)
        // "\r\n" is one Character, so this drops either ending once.
        if text.last?.isNewline == true { text.removeLast() }
        return text
    }
}
