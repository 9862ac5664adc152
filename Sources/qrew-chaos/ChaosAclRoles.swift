import Foundation
import QrewCore
import QrewLocalCluster
import QrewRedis

/// `qrew-chaos --acl`: the suite's Redis loads the ACL file of `qctl acl` for its namespace, each
/// role with a random password in a file of its own, and every child logs in as its role
/// (coordinators as qrew-coordinator, workers as qrew-worker) through `QREW_REDIS_USER` and
/// `QREW_REDIS_PASSWORD_FILE`; the suite itself (submitting, checking) logs in as `default`,
/// which keeps full access with a password of its own.
struct ChaosAclRoles {
    let directory: String
    let adminPassword: String

    /// Writes the password files and the ACL file into `directory`.
    init(namespace: String, directory: String) throws {
        self.directory = directory
        adminPassword = UUID().uuidString
        var passwords: [AccessRole: String] = [:]
        for role in AccessRole.allCases {
            let password = UUID().uuidString
            passwords[role] = password
            try Data((password + "\n").utf8).write(to: URL(fileURLWithPath: passwordFile(role)))
        }
        let roles = try AccessControlList(namespace: namespace)
            .file { passwords[$0].map(AccessControlList.Credential.password) ?? .disabled }
            .split(separator: "\n").filter { !$0.hasPrefix("user default ") }.joined(separator: "\n")
        let admin = "user default on #\(AccessControlList.passwordHash(adminPassword)) ~* &* +@all"
        try Data((roles + "\n" + admin + "\n").utf8).write(to: URL(fileURLWithPath: aclFile))
    }

    var aclFile: String { directory + "/users.acl" }

    func passwordFile(_ role: AccessRole) -> String { directory + "/\(role.userName).password" }

    /// What a child running as `role` gets.
    func environment(_ role: AccessRole) -> [String: String] {
        [
            RedisConfiguration.CredentialVariable.user: role.userName,
            RedisConfiguration.CredentialVariable.passwordFile: passwordFile(role),
        ]
    }

    /// Turns the roles on in `options`: Redis with the ACL file (the suite's own probe and
    /// checks authenticate as `default`), children without the password in their URL.
    func apply(to options: inout LocalCluster.Options, redisPort: Int) {
        options.redisOptions.requirePassword = adminPassword
        options.redisOptions.extraArguments += ["--aclfile", aclFile]
        options.childRedisURL = "redis://127.0.0.1:\(redisPort)"
        options.coordinatorEnvironment = environment(.coordinator)
        options.workerEnvironment = environment(.worker)
    }
}
