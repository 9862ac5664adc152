import Foundation
import Testing
@testable import QrewWorker

/// The pieces of a worker policy alone: address classes, command patterns, the refusals.
struct WorkerPolicyTests {
    @Test(arguments: [
        ("127.0.0.1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"),
        ("192.168.1.1", "private"), ("169.254.169.254", "link-local"), ("100.64.0.1", "carrier-grade NAT"),
        ("0.0.0.0", "unspecified"), ("224.0.0.1", "multicast"), ("255.255.255.255", "broadcast"),
        ("::1", "loopback"), ("::", "unspecified"), ("fe80::1", "link-local"), ("fd00::1", "unique-local"),
        ("ff02::1", "multicast"), ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.0.0.1", "private"),
        ("64:ff9b::a00:1", "private"), ("2002:7f00:1::", "loopback"), ("fec0::1", "site-local"),
    ])
    func nonPublicAddressesAreRefused(address: String, reason: String) throws {
        let bytes = try #require(Self.bytes(address))
        let refusal = PublicAddress.refusal(bytes)
        #expect(refusal?.contains(reason) == true, "\(address): \(String(describing: refusal))")
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
    func publicAddressesPass(address: String) throws {
        #expect(PublicAddress.refusal(try #require(Self.bytes(address))) == nil)
    }

    @Test func resolvingANameGivesEveryAddressAndNumericHosts() throws {
        let addresses = try PublicAddress.resolve("localhost").get()
        #expect(addresses.contains { $0.urlHost == "127.0.0.1" || $0.urlHost == "[::1]" }, "\(addresses)")
        #expect(try PublicAddress.resolve("[::1]").get().map(\.urlHost) == ["[::1]"])
        #expect(throws: PublicAddress.ResolutionError.self) { try PublicAddress.resolve("no-such-host.invalid").get() }
    }

    @Test func bareNamePatternsMatchOnlyCommandsOnTheWorkersPath() throws {
        let pattern = try CommandPattern("git*")
        #expect(pattern.allows("git", resolvedPath: "/usr/bin/git", workerPath: "/usr/local/bin:/usr/bin"))
        #expect(pattern.allows("gitk", resolvedPath: "/usr/bin/gitk", workerPath: "/usr/bin"))
        // Found through a PATH the task set, or written with a slash: not the worker's git.
        #expect(!pattern.allows("git", resolvedPath: "/tmp/evil/git", workerPath: "/usr/bin"))
        #expect(!pattern.allows("./git", resolvedPath: "/usr/bin/git", workerPath: "/usr/bin"))
        #expect(!pattern.allows("make", resolvedPath: "/usr/bin/make", workerPath: "/usr/bin"))
    }

    @Test func slashPatternsMatchTheNormalizedAbsolutePath() throws {
        let pattern = try CommandPattern("/opt/tools/*")
        #expect(pattern.allows("/opt/tools/deploy", resolvedPath: "/opt/tools/deploy", workerPath: ""))
        #expect(pattern.allows("deploy", resolvedPath: "/opt/tools/./deploy", workerPath: "/opt/tools"))
        #expect(!pattern.allows("x", resolvedPath: "/opt/tools/../../bin/sh", workerPath: ""))
        #expect(!pattern.allows("x", resolvedPath: "/opt/tools/sub/deploy", workerPath: ""), "* does not cross /")
        #expect(throws: (any Error).self) { try CommandPattern(" ") }
    }

    @Test func refusalsNameTheirFlag() throws {
        let policy = WorkerPolicy(
            allowedTypes: ["shell"], allowedCommands: [try CommandPattern("echo")], maxTaskEnvironmentBytes: 1024)
        #expect(policy.typeRefusal("shell") == nil)
        #expect(policy.typeRefusal("http")?.hasPrefix("refused by worker policy --allow-types (shell)") == true)
        #expect(policy.environmentRefusal(["A": "b"]) == nil)
        #expect(policy.environmentRefusal(["A": String(repeating: "b", count: 1100)])?.contains("--max-task-env") == true)
        #expect(policy.commandRefusal("echo", resolvedPath: "/usr/bin/echo", workerPath: "/usr/bin") == nil)
        #expect(policy.commandRefusal("rm", resolvedPath: "/usr/bin/rm", workerPath: "/usr/bin")?.contains("--allow-commands (echo): 'rm'") == true)
        #expect(WorkerPolicy().typeRefusal("anything") == nil)
    }

    @Test func aPrivateHostIsRefusedBeforeAnyRequest() async {
        var execution = TaskExecution(.http(url: "http://localhost:9/x"), timeout: .seconds(10))
        execution.denyPrivateAddresses = true
        let result = await HTTPExecutor().execute(ExecutorContext(execution: execution))
        #expect(result.outcome == .failed)
        #expect(result.error?.hasPrefix("refused by worker policy --http-deny-private: localhost resolves to") == true, "\(result)")
    }

    @Test func theSecretsSourceReadsTheEnvironmentThenTheDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/qrew-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "from-file\n".write(toFile: directory + "/FILED", atomically: true, encoding: .utf8)
        try "file-loses".write(toFile: directory + "/BOTH", atomically: true, encoding: .utf8)
        try "ab".write(toFile: directory + "/SHORT", atomically: true, encoding: .utf8)
        let source = SecretSource(
            environment: ["QREW_SECRET_BOTH": "env-wins", "QREW_SECRET_ENVONLY": "from-env", "PATH": "/bin"], directory: directory)
        #expect(try source.values(for: ["BOTH", "ENVONLY", "FILED"]).get() == ["BOTH": "env-wins", "ENVONLY": "from-env", "FILED": "from-file"])
        let missing = source.values(for: ["NOPE"])
        #expect(throws: SecretSource.Problem.self) { try missing.get() }
        if case .failure(let problem) = missing {
            #expect(problem.description == "secret 'NOPE' not set on this worker: expected QREW_SECRET_NOPE in the worker's environment or the file \(directory)/NOPE")
        }
        if case .failure(let problem) = source.values(for: ["SHORT"]) {
            #expect(problem.description.contains("shorter than 4 bytes"))
        } else {
            Issue.record("a 2-byte secret was accepted")
        }
        #expect(SecretSource.withoutSecrets(["QREW_SECRET_X": "v", "PATH": "/bin"]) == ["PATH": "/bin"])
        #expect(ShellExecutor(baseEnvironment: ["QREW_SECRET_X": "v", "HOME": "/"]).baseEnvironment == ["HOME": "/"])
    }

    static func bytes(_ address: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 { return withUnsafeBytes(of: v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }
}
