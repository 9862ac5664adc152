import Foundation
import QrewCore
import QrewQueue
import QrewRedis

/// A redis-server started with `--aclfile`: the roles of `qctl acl` for one namespace, each
/// with a random password in a file of its own, plus an all-powerful `default` user (password
/// `adminPassword`) for the harness's readiness probe and the test's own checks.
public struct AclRedisServer: Sendable {
    public let server: RedisServerProcess
    public let namespace: String
    /// Directory holding `<user>.password` for every role and the ACL file `users.acl`.
    public let directory: String
    public static let adminPassword = "qrew-test-admin"

    /// The server's URL without credentials: clients log in through the environment.
    public var plainURL: String { "redis://127.0.0.1:\(server.port)" }

    /// A URL logged in as `role` (for in-process services; processes get `environment(role)`).
    public func url(_ role: AccessRole) throws -> String {
        let password = try String(contentsOfFile: passwordFile(role), encoding: .utf8).trimmingCharacters(in: .newlines)
        return "redis://\(role.userName):\(password)@127.0.0.1:\(server.port)"
    }

    /// The password file of `role`.
    public func passwordFile(_ role: AccessRole) -> String { directory + "/\(role.userName).password" }

    /// What a process running as `role` gets: URL, namespace, user and password file.
    public func environment(_ role: AccessRole) -> [String: String] {
        [
            "QREW_REDIS_URL": plainURL, "QREW_NAMESPACE": namespace,
            RedisConfiguration.CredentialVariable.user: role.userName,
            RedisConfiguration.CredentialVariable.passwordFile: passwordFile(role),
        ]
    }

    /// A connection configuration logged in as `role` (short timeouts, as `testConfiguration`).
    public func configuration(_ role: AccessRole) throws -> RedisConfiguration {
        var configuration = try RedisConfiguration(url: plainURL, environment: environment(role))
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(5)
        return configuration
    }

    /// A queue client of the namespace logged in as `role`; close its `redis` after use.
    public func queue(_ role: AccessRole, namespace: String? = nil) throws -> QueueClient {
        QueueClient(
            redis: RedisClient(configuration: try configuration(role)), keys: Keys(prefix: namespace ?? self.namespace),
            scripts: try ScriptLibrary.bundled.get())
    }
}

/// Runs `body` with a fresh redis-server loading the ACL file of `namespace`'s roles.
public func withAclRedisServer<T>(
    namespace: String, _ body: (AclRedisServer) async throws -> T
) async throws -> T {
    let directory = FileManager.default.temporaryDirectory.path + "/qrew-acl-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var passwords: [AccessRole: String] = [:]
    for role in AccessRole.allCases {
        let password = UUID().uuidString
        passwords[role] = password
        try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/\(role.userName).password"))
    }
    let acl = try AccessControlList(namespace: namespace)
    let roles = acl.file { passwords[$0].map(AccessControlList.Credential.password) ?? .disabled }
        .split(separator: "\n").filter { !$0.hasPrefix("user default ") }.joined(separator: "\n")
    let file = directory + "/users.acl"
    try Data((roles + "\nuser default on >\(AclRedisServer.adminPassword) ~* &* +@all\n").utf8).write(to: URL(fileURLWithPath: file))
    let options = RedisServerOptions(requirePassword: AclRedisServer.adminPassword, extraArguments: ["--aclfile", file])
    return try await withRedisServer(options) { server in
        try await body(AclRedisServer(server: server, namespace: namespace, directory: directory))
    }
}
