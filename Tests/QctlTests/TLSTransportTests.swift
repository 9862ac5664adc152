import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// The TLS path of docs/security.md (hiredis 0.14 speaks no TLS): `redis-server --port 0
/// --tls-port P` with certificates made by `openssl`, a `stunnel` client on loopback in front of
/// it, and a coordinator and worker that reach Redis only through the tunnel. Heavy (real
/// processes): in the Makefile's CLUSTER_SUITES.
@Suite("TLS transport through stunnel (real processes)", .serialized)
struct TLSTransportTests {
    static let stunnel = SpawnedProcess.findExecutable("stunnel4") ?? SpawnedProcess.findExecutable("stunnel")

    @Test(
        .enabled(if: stunnel != nil, "stunnel is not installed (apt-get install stunnel4, or scripts/install-deps.sh); the TLS test is skipped"),
        .timeLimit(.minutes(1)))
    func aRunSucceedsThroughAStunnelClientToATLSOnlyRedis() async throws {
        let stunnel = try #require(Self.stunnel)
        let directory = try temporaryDirectory()
        try Self.makeCertificates(in: directory)
        let tlsPort = try RedisServerProcess.freeLoopbackPort()
        let tunnelPort = try RedisServerProcess.freeLoopbackPort()
        let redisServer = try #require(SpawnedProcess.findExecutable("redis-server"))
        var processes: [SpawnedProcess] = []
        defer {
            for process in processes.reversed() { kill(process.pid, SIGKILL) }
        }
        processes.append(try SpawnedProcess(
            executable: redisServer,
            arguments: [
                "--port", "0", "--tls-port", String(tlsPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                "--dir", directory, "--tls-cert-file", "\(directory)/redis.crt", "--tls-key-file", "\(directory)/redis.key",
                "--tls-ca-cert-file", "\(directory)/ca.crt", "--tls-auth-clients", "yes",
            ],
            logPath: "\(directory)/redis.log"))
        try """
            foreground = yes
            pid =
            [redis]
            client = yes
            accept = 127.0.0.1:\(tunnelPort)
            connect = 127.0.0.1:\(tlsPort)
            CAfile = \(directory)/ca.crt
            verifyChain = yes
            checkIP = 127.0.0.1
            cert = \(directory)/client.crt
            key = \(directory)/client.key

            """.write(toFile: "\(directory)/stunnel.conf", atomically: true, encoding: .utf8)
        processes.append(try SpawnedProcess(
            executable: stunnel, arguments: ["\(directory)/stunnel.conf"], logPath: "\(directory)/stunnel.log"))
        var logs: String {
            processes.map { "--- \($0.logPath)\n\($0.logTail(lines: 20))" }.joined(separator: "\n")
        }

        let tunnelURL = "redis://127.0.0.1:\(tunnelPort)"
        var configuration = try RedisConfiguration(url: tunnelURL)
        configuration.connectTimeout = .seconds(2)
        configuration.commandTimeout = .seconds(5)
        let redis = RedisClient(configuration: configuration)
        defer { redis.close() }
        try await SentinelGroup.waitFor("PONG through the tunnel\n\(logs)", timeout: .seconds(20)) {
            (try? await redis.send("PING"))?.string == "PONG"
        }
        // The server speaks TLS only: a plain-text client gets nowhere on its port.
        let plain = RedisConnection(configuration: RedisConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: tlsPort), connectTimeout: .seconds(2), commandTimeout: .seconds(2)))
        #expect(throws: RedisError.self) { try plain.send("PING") }
        plain.close()

        let namespace = "tls"
        for (binary, arguments) in [("qrew-coordinator", ["--id", "c1"]), ("qrew-worker", ["--name", "w1", "--concurrency", "2"])] {
            processes.append(try SpawnedProcess(
                executable: LocalCluster.executableDirectory + "/" + binary,
                arguments: ["--redis", tunnelURL, "--namespace", namespace] + arguments,
                logPath: "\(directory)/\(binary).log"))
        }
        let queue = QueueClient(redis: redis, keys: Keys(prefix: namespace), scripts: try ScriptLibrary.bundled.get())
        _ = try await queue.enqueueSubmission(runID: "tls-1", fileName: "tls.yaml", workflow: """
            name: tls
            steps:
              - { id: hello, type: echo, with: { message: over TLS } }
              - { id: shell, dependsOn: [hello], run: [sh, -c, "echo encrypted"] }

            """, params: [:])
        let run = try await queue.waitForRun("tls-1", timeout: .seconds(30)) { $0.isFinished }
        #expect(run.state == "succeeded", "\(run.fields)\n\(logs)")
        #expect(run.tasks.allSatisfy { $0["state"] == "succeeded" }, "\(run.tasks)\n\(logs)")
        for process in processes.reversed() { await process.terminate(grace: .seconds(5)) }
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, all P-256 (fast to make).
    static func makeCertificates(in directory: String) throws {
        let script = """
            set -e
            cd "\(directory)"
            key() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
            key ca.key
            openssl req -x509 -new -key ca.key -out ca.crt -days 2 -subj /CN=qrew-test-ca
            for name in redis client; do
              key $name.key
              openssl req -new -key $name.key -out $name.csr -subj /CN=$name
              printf 'subjectAltName=IP:127.0.0.1\\n' > $name.ext
              openssl x509 -req -in $name.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out $name.crt -days 2 -extfile $name.ext
            done
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", script]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let output = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw SentinelGroupError(description: "openssl failed: \(String(decoding: output, as: UTF8.self))")
        }
    }
}
