import ArgumentParser
import Foundation
import QrewCore
import QrewQueue

/// `qctl signing-key ...`: make and check the keys tasks are signed with (docs/security.md, *Signed tasks*).
struct SigningKeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-key",
        _superCommandName: "qctl",
        abstract: "Make a task-signing key, or check a signing key file.",
        subcommands: [SigningKeyNewCommand.self, SigningKeyCheckCommand.self])
}

/// `qctl signing-key new`: prints a fresh key line for a key file.
struct SigningKeyNewCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Print a fresh random 256-bit signing key as a key-file line, <id>:<base64 key>.",
        discussion: """
            A key file holds the current key on its first line and, during a rotation, the previous key on the \
            second. Rotate: put the new line first and the old one second, give the file to every worker, then \
            to the coordinators; remove the old line once no task signed with it is left (docs/security.md).
            """)

    @Option(help: "Key id (1 to 32 letters, digits, '-', '_', '.'; default k<UTC date and time>).")
    var id: String?

    func run() throws {
        let keyID = id ?? Self.defaultID(Date())
        do {
            print(try SigningKey.newKeyLine(id: keyID))
        } catch {
            throw ValidationError("invalid --id: \(error)")
        }
    }

    /// `k` and the UTC time to the second, e.g. `k20261205T154100`: new keys sort after old ones.
    static func defaultID(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss"
        return "k" + formatter.string(from: date)
    }
}

/// `qctl signing-key check FILE`: reads a key file as the coordinator and workers would.
struct SigningKeyCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check a signing key file as qrew-coordinator and qrew-worker read it; print its key ids.")

    @Argument(help: "The key file.")
    var file: String

    func run() throws {
        let keyring: SigningKeyring
        do {
            keyring = try SigningKeyFile.load(file)
        } catch {
            throw CommandFailure("\(error)")
        }
        print("current key: \(keyring.current.id)")
        print("previous key: \(keyring.previous?.id ?? "none")")
    }
}
