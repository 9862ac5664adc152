import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Secrets and worker policies on real processes (a redis-server, a qrew-coordinator, two
/// qrew-workers, qctl, a local HTTP server): a secret reaches its task but no byte of it
/// reaches Redis or any log, and a worker's policy refuses what it does not allow without
/// running it. A cluster suite (run it apart from the other heavy suites).
@Suite("secrets and worker policies (real processes)", .serialized)
struct PolicyClusterTests {
    static let namespace = "pol"
    static let token = "tok-5f3a9c1e77"
    static let apiKey = "first-line-AAAA\nsecond-line-BBBB"

    /// An HTTP server on 127.0.0.1 that answers with the Authorization header it got.
    static let serverScript = #"""
        import http.server
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                data = ("auth=" + self.headers.get("Authorization", "none")).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args): pass
        s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        print(s.server_address[1], flush=True)
        s.serve_forever()
        """#

    @Test(.timeLimit(.minutes(2)))
    func secretsReachTheirTaskAndNeverRedisOrALog() async throws {
        try await withProcessCluster(namespace: Self.namespace) { cluster in
            let directory = try temporaryDirectory()
            let secrets = directory + "/secrets"
            try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
            try (Self.apiKey + "\n").write(toFile: secrets + "/API_KEY", atomically: true, encoding: .utf8)
            let server = try SpawnedProcess(
                executable: try #require(SpawnedProcess.findExecutable("python3")), arguments: ["-c", Self.serverScript],
                logPath: directory + "/http.log")
            defer { kill(server.pid, SIGKILL) }
            var port = ""
            let deadline = ContinuousClock.now + .seconds(20)
            while port.isEmpty, ContinuousClock.now < deadline {
                port = ((try? String(contentsOfFile: directory + "/http.log", encoding: .utf8)) ?? "")
                    .split(separator: "\n").first.map(String.init) ?? ""
                if port.isEmpty { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(!port.isEmpty, "the HTTP server never said its port")

            try cluster.start("qrew-coordinator", [], name: "coordinator")
            try cluster.start(
                "qrew-worker", ["--name", "ws", "--log-level", "debug", "--secrets-dir", secrets], name: "worker",
                environment: ["QREW_SECRET_TOKEN": Self.token])
            let environment = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": Self.namespace]
            let file = directory + "/secrets.yaml"
            try """
                name: secrets
                steps:
                  - id: print
                    run: ["sh", "-c", "echo token=$TOKEN; printf 'out %s' \\"$TOKEN\\" > \\"$QREW_OUTPUT\\"; echo \\"50% with $TOKEN\\" >> \\"$QREW_PROGRESS\\""]
                    env: { TOKEN: "${{ secrets.TOKEN }}" }
                  - id: multi
                    run: ["sh", "-c", "printf '%s\\\\n' \\"$KEY\\""]
                    env: { KEY: "${{ secrets.API_KEY }}" }
                  - id: complain
                    run: ["sh", "-c", "echo \\"bad $TOKEN\\" >&2; exit 3"]
                    env: { TOKEN: "${{ secrets.TOKEN }}" }
                    continueOnError: true
                  - id: say
                    type: echo
                    with: { message: "said ${{ secrets.TOKEN }}" }
                  - id: call
                    type: http
                    url: http://127.0.0.1:\(port)/
                    headers: { Authorization: "Bearer ${{ secrets.TOKEN }}" }
                  - id: long
                    run: ["sh", "-c", "printf '%65530s' '' | tr ' ' a; printf %s \\"$TOKEN\\"; printf '%200s' '' | tr ' ' b; sleep 0.3; echo; printf done > \\"$QREW_OUTPUT\\""]
                    env: { TOKEN: "${{ secrets.TOKEN }}" }
                  - id: missing
                    type: echo
                    with: { message: "${{ secrets.NOT_THERE }}" }
                    continueOnError: true
                """.write(toFile: file, atomically: true, encoding: .utf8)

            let submitted = try await qctl("submit", file, "--run-id", "s1", "--follow", environment: environment, timeout: .seconds(60))
            #expect(submitted.status == 0, "\(submitted.stdout)\n\(submitted.stderr)\n\(cluster.logs)")
            #expect(submitted.stdout.contains("token=***"), "\(submitted.stdout)")
            #expect(submitted.stdout.contains("said ***"), "\(submitted.stdout)")
            #expect(submitted.stdout.contains("auth=Bearer ***"), "\(submitted.stdout)")

            let status = try await qctl("status", "s1", "--json", environment: environment)
            let run = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let tasks = try #require(run["tasks"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0["id"] as? String ?? "", $0) })
            #expect(byID["print"]?["output"] as? String == "out ***", "\(byID["print"] ?? [:])")
            #expect(byID["multi"]?["output"] as? String == "***", "\(byID["multi"] ?? [:])")
            #expect((byID["complain"]?["error"] as? String)?.contains("bad ***") == true, "\(byID["complain"] ?? [:])")
            #expect(byID["call"]?["output"] as? String == "auth=Bearer ***", "\(byID["call"] ?? [:])")
            #expect(byID["long"]?["state"] as? String == "succeeded", "a 64 KiB cut through the value: \(byID["long"] ?? [:])")
            let missing = byID["missing"]?["error"] as? String ?? ""
            #expect(byID["missing"]?["state"] as? String == "failed")
            #expect(missing.contains("secret 'NOT_THERE' not set on this worker: expected QREW_SECRET_NOT_THERE"), "\(missing)")
            #expect(byID["missing"]?["attempts"] as? Int == 1, "a missing secret is not retried")

            let logs = try await qctl("logs", "s1", environment: environment)
            await cluster.stopAll()
            // Every key of every type, and every log line, holds no piece of either secret.
            // The token's ends too: 'long' prints it across a 64 KiB cut of its line.
            let pieces = [Self.token, String(Self.token.prefix(6)), String(Self.token.suffix(6)), "first-line-AAAA", "second-line-BBBB"]
            let dump = try await Self.dumpEverything(cluster.server)
            #expect(dump.contains("${{ secrets.TOKEN }}"), "the spec keeps the reference")
            #expect(dump.contains("***"), "the redacted output is stored")
            var texts = [("redis", dump), ("qctl submit", submitted.stdout + submitted.stderr), ("qctl logs", logs.stdout + logs.stderr)]
            for process in cluster.processes {
                texts.append((process.logPath, (try? String(contentsOfFile: process.logPath, encoding: .utf8)) ?? ""))
            }
            #expect(texts.contains { $0.1.contains("attempt 1 failed") }, "the worker logged the failed attempts at debug")
            for (source, text) in texts {
                for piece in pieces {
                    #expect(!text.contains(piece), "\(source) holds a secret")
                }
            }
        }
    }

    @Test(.timeLimit(.minutes(2)))
    func aWorkersPolicyRefusesWhatItDoesNotAllowAndRunsNothingOfIt() async throws {
        try await withProcessCluster(namespace: Self.namespace) { cluster in
            let directory = try temporaryDirectory()
            let touched = directory + "/touched"
            try cluster.start("qrew-coordinator", [], name: "coordinator")
            try cluster.start(
                "qrew-worker",
                ["--name", "wp", "--queues", "locked", "--allow-types", "shell,http", "--allow-commands", "echo",
                 "--allow-commands", "/usr/bin/tr*", "--max-task-env", "2048"],
                name: "worker", environment: ["QREW_HTTP_DENY_PRIVATE": "1"])
            let environment = ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": Self.namespace]
            let file = directory + "/policy.yaml"
            let big = String(repeating: "x", count: 3000)
            try """
                name: policy
                defaults: { queue: locked, retries: { max: 3, initial: 100ms } }
                steps:
                  - id: allowed
                    run: ["echo", "hello"]
                  - id: bypath
                    run: ["/usr/bin/true"]
                  - id: touch
                    run: ["touch", "\(touched)"]
                    continueOnError: true
                  - id: script
                    shell: true
                    run: ["touch '\(touched)'"]
                    continueOnError: true
                  - id: say
                    type: echo
                    with: { message: hi }
                    continueOnError: true
                  - id: typo
                    run: ["no-such-command-qrew"]
                    continueOnError: true
                  - id: huge
                    run: ["echo", "big"]
                    env: { BIG: "\(big)" }
                    continueOnError: true
                  - id: loopback
                    type: http
                    url: http://127.0.0.1:9/
                    continueOnError: true
                """.write(toFile: file, atomically: true, encoding: .utf8)

            let submitted = try await qctl("submit", file, "--run-id", "p1", "--follow", environment: environment, timeout: .seconds(60))
            #expect(submitted.status == 0, "\(submitted.stdout)\n\(submitted.stderr)\n\(cluster.logs)")
            let status = try await qctl("status", "p1", "--json", environment: environment)
            let run = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [String: Any])
            let tasks = try #require(run["tasks"] as? [[String: Any]])
            let byID = Dictionary(uniqueKeysWithValues: tasks.map { ($0["id"] as? String ?? "", $0) })
            #expect(byID["allowed"]?["state"] as? String == "succeeded")
            #expect(byID["allowed"]?["output"] as? String == "hello")
            #expect(byID["bypath"]?["state"] as? String == "succeeded", "/usr/bin/tr* allows /usr/bin/true")
            let refusals = [
                ("touch", "refused by worker policy --allow-commands"),
                ("script", "refused by worker policy --allow-commands (echo, /usr/bin/tr*): '/bin/sh'"),
                ("say", "refused by worker policy --allow-types (http,shell): this worker does not run 'echo' tasks"),
                ("huge", "refused by worker policy --max-task-env"),
                ("typo", "refused by worker policy --allow-commands: no such executable 'no-such-command-qrew'"),
                ("loopback", "refused by worker policy --http-deny-private: 127.0.0.1 resolves to 127.0.0.1, loopback"),
            ]
            for (id, message) in refusals {
                let task = byID[id] ?? [:]
                #expect(task["state"] as? String == "failed", "\(id): \(task)")
                #expect((task["error"] as? String)?.contains(message) == true, "\(id): \(task)")
                #expect(task["attempts"] as? Int == 1, "a refusal is not retried: \(task)")
            }
            #expect(!FileManager.default.fileExists(atPath: touched), "a refused command never ran")
            let log = cluster.processes.map { (try? String(contentsOfFile: $0.logPath, encoding: .utf8)) ?? "" }.joined()
            #expect(log.contains("policy --allow-types http,shell --allow-commands echo --allow-commands /usr/bin/tr* "
                + "--http-deny-private --max-task-env 2048"), "the worker says its policy when it starts\n\(log)")
        }
    }

    /// Every key in the server and its value, whatever its type.
    static func dumpEverything(_ server: RedisServerProcess) async throws -> String {
        let redis = RedisClient(configuration: try testConfiguration(for: server))
        defer { redis.close() }
        var dump = ""
        var cursor = "0"
        repeat {
            let reply = try await redis.send("SCAN", .string(cursor), "COUNT", "1000").array ?? []
            cursor = reply.first?.string ?? "0"
            for key in reply.dropFirst().first?.array ?? [] {
                let name = key.string ?? ""
                let type = try await redis.send("TYPE", .string(name)).string ?? ""
                let value: RedisReply
                switch type {
                case "string": value = try await redis.send("GET", .string(name))
                case "hash": value = try await redis.send("HGETALL", .string(name))
                case "list": value = try await redis.send("LRANGE", .string(name), "0", "-1")
                case "set": value = try await redis.send("SMEMBERS", .string(name))
                case "zset": value = try await redis.send("ZRANGE", .string(name), "0", "-1", "WITHSCORES")
                case "stream": value = try await redis.send("XRANGE", .string(name), "-", "+")
                default: value = .status("unknown type \(type)")
                }
                dump += "\(name) (\(type)): \(flatten(value))\n"
            }
        } while cursor != "0"
        return dump
    }

    private static func flatten(_ reply: RedisReply) -> String {
        if let elements = reply.array { return elements.map(flatten).joined(separator: " | ") }
        return reply.string ?? ""
    }
}
