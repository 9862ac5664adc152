import ArgumentParser
import Foundation
import QrewCore

/// `qctl acl`: prints the Redis ACL file of a namespace's roles (docs/security.md).
struct AclCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acl",
        _superCommandName: "qctl",
        abstract: "Print a Redis 7 ACL file with the roles of a namespace.",
        discussion: """
            Users qrew-coordinator, qrew-worker, qrew-submitter and qrew-viewer, each limited to the \
            namespace's keys (NS:*) and the commands it needs; the default user is turned off. \
            Without --passwords-dir every role is `off` (no password: nobody can log in as it; \
            docker/users.acl is this output for namespace qrew). With --passwords-dir DIR, a role \
            whose file DIR/<user>.password exists is `on` with the SHA-256 of that password \
            (`#<hex>`, never the password itself); the others stay off. Load the file with \
            `redis-server --aclfile FILE`; clients then log in with QREW_REDIS_USER and \
            QREW_REDIS_PASSWORD_FILE. docs/security.md says what each role can and cannot do.
            """)

    @Option(help: ArgumentHelp("Key namespace (default: $QREW_NAMESPACE or qrew).", valueName: "ns"))
    var namespace: String?

    @Option(help: ArgumentHelp("A directory of <user>.password files (e.g. qrew-worker.password) to enable those users with.", valueName: "dir"))
    var passwordsDir: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the file here instead of standard output.", valueName: "file"))
    var output: String?

    private var resolvedNamespace: String {
        namespace ?? ProcessInfo.processInfo.environment["QREW_NAMESPACE"] ?? "qrew"
    }

    func validate() throws {
        do {
            _ = try AccessControlList(namespace: resolvedNamespace)
        } catch {
            throw ValidationError("--namespace: \(error.description)")
        }
        if let passwordsDir {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: passwordsDir, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--passwords-dir: \(passwordsDir) is not a directory")
            }
        }
    }

    func run() throws {
        let acl = try AccessControlList(namespace: resolvedNamespace)
        var credentials: [AccessRole: AccessControlList.Credential] = [:]
        for role in AccessRole.allCases {
            credentials[role] = try credential(for: role)
        }
        let text = acl.file { credentials[$0] ?? .disabled }
        guard let output else {
            Console.out(text, terminator: "")
            return
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw CommandFailure("cannot write \(output): \(error.localizedDescription)")
        }
    }

    /// The role's password from `<dir>/<user>.password` (without its trailing newline), if any.
    private func credential(for role: AccessRole) throws -> AccessControlList.Credential {
        guard let passwordsDir else { return .disabled }
        let path = (passwordsDir as NSString).appendingPathComponent(role.userName + ".password")
        guard FileManager.default.fileExists(atPath: path) else { return .disabled }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CommandFailure("cannot read \(path)")
        }
        var password = String(decoding: data, as: UTF8.self)
        while let last = password.last, last == "\n" || last == "\r" { password.removeLast() }
        guard !password.isEmpty else { throw CommandFailure("\(path) is empty; write the user's password into it") }
        return .password(password)
    }
}
