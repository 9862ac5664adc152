import Foundation
import QrewRedis
import QrewTestSupport
import Testing

/// Credentials from the environment (`QREW_REDIS_USER`, `QREW_REDIS_PASSWORD_FILE`,
/// `QREW_REDIS_PASSWORD`), so no password needs a command line.
@Suite("Redis credentials from the environment")
struct RedisCredentialsTests {
    private func passwordFile(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/qrew-password-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func userAndPasswordFileFillInWhatTheURLLeavesOut() throws {
        let file = try passwordFile("s3cret\n")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let configuration = try RedisConfiguration(
            url: "redis://10.0.0.5:6380/2", environment: ["QREW_REDIS_USER": "qrew-worker", "QREW_REDIS_PASSWORD_FILE": file])
        #expect(configuration.username == "qrew-worker" && configuration.password == "s3cret" && configuration.database == 2)
    }

    @Test func theFileWinsOverThePasswordVariableAndTheURLWinsOverBoth() throws {
        let file = try passwordFile("from-file")
        defer { try? FileManager.default.removeItem(atPath: file) }
        let environment = ["QREW_REDIS_PASSWORD_FILE": file, "QREW_REDIS_PASSWORD": "from-env", "QREW_REDIS_USER": "env-user"]
        #expect(try RedisConfiguration(url: "redis://h", environment: environment).password == "from-file")
        #expect(try RedisConfiguration(url: "redis://h", environment: ["QREW_REDIS_PASSWORD": "from-env"]).password == "from-env")
        let url = try RedisConfiguration(url: "redis://url-user:from-url@h", environment: environment)
        #expect(url.username == "url-user" && url.password == "from-url")
        let plain = try RedisConfiguration(url: "redis://h", environment: [:])
        #expect(plain.username == nil && plain.password == nil)
    }

    @Test func unusableCredentialsAreRefusedWithoutEchoingAPassword() throws {
        let empty = try passwordFile("\n")
        defer { try? FileManager.default.removeItem(atPath: empty) }
        for (environment, expected) in [
            (["QREW_REDIS_PASSWORD_FILE": "/nonexistent/qrew.password"], "cannot read /nonexistent/qrew.password"),
            (["QREW_REDIS_PASSWORD_FILE": empty], "is empty"),
            (["QREW_REDIS_USER": "qrew-worker"], "has no password"),
        ] {
            #expect {
                _ = try RedisConfiguration(url: "redis://h", environment: environment)
            } throws: { error in
                "\(error)".contains(expected)
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aRoleLogsInWithItsPasswordFile() async throws {
        try await withAclRedisServer(namespace: "cred") { server in
            let client = RedisClient(configuration: try server.configuration(.viewer))
            defer { client.close() }
            #expect(try await client.send("PING").string == "PONG")
            #expect(try await client.send("GET", "cred:anything").isNull)
        }
    }
}
