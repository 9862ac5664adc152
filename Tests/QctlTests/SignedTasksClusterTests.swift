import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// Signed tasks end to end (docs/security.md, *Signed tasks*): real coordinator and worker
/// processes with `--signing-key-file` on a test redis-server; forged and altered tasks written
/// straight into Redis, as an attacker with write access but no key would. Heavy (a cluster per
/// test): for the Makefile's CLUSTER_SUITES.
@Suite("signed tasks (real coordinator and workers)", .serialized)
struct SignedTasksClusterTests {
    /// A key file holding `ids`' fresh keys, the first current (one line each).
    private static func keyFile(_ lines: [String]) throws -> String {
        try temporaryFile("keys", lines.joined(separator: "\n") + "\n")
    }

    private static func newKey(_ id: String) throws -> String { try SigningKey.newKeyLine(id: id) }

    /// Waits until task `ref`'s hash satisfies `condition`.
    private static func waitForTask(
        _ ref: String, _ cluster: ProcessCluster, timeout: Duration = .seconds(60), until condition: ([String: String]) -> Bool
    ) async throws -> [String: String] {
        let deadline = ContinuousClock.now + timeout
        var fields: [String: String] = [:]
        while ContinuousClock.now < deadline {
            fields = try await taskFields(ref, cluster)
            if condition(fields) { return fields }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("task \(ref) did not reach the expected state within \(timeout): \(fields)\n\(cluster.logs)")
        return fields
    }

    private static func taskFields(_ ref: String, _ cluster: ProcessCluster) async throws -> [String: String] {
        let reply = try await cluster.queue.redis.send("HGETALL", .string(cluster.queue.keys.task(TaskRef(ref)!)))
        var fields: [String: String] = [:]
        let flat = reply.array ?? []
        for index in stride(from: 0, to: flat.count - 1, by: 2) {
            if let name = flat[index].string, let value = flat[index + 1].string { fields[name] = value }
        }
        return fields
    }

    /// Writes a ready task into run `run` on `queue` the way an attacker with Redis write access
    /// (and no key) would: a task hash, a ready entry and a wake-up token.
    private static func forge(
        _ taskID: String, run: String, queue: String, spec: String, extra: [String: String] = [:], _ cluster: ProcessCluster
    ) async throws {
        let ref = "\(run)/\(taskID)"
        var fields: [RedisArgument] = [
            "run", .string(run), "id", .string(taskID), "step", .string(taskID), "queue", .string(queue), "priority", "100",
            "state", "ready", "attempt", "0", "maxAttempts", "3", "deps", "0", "dependents", "[]", "limits", "",
            "refs", "[]", "continueOnError", "0", "lostRetry", "",
        ]
        for (name, value) in extra { fields += [.string(name), .string(value)] }
        let prefix = cluster.namespace
        _ = try await cluster.queue.redis.send(["HSET", .string("\(prefix):task:\(ref)")] + fields)
        _ = try await cluster.queue.redis.send("HSET", .string("\(prefix):run:\(run):specs"), .string(taskID), .string(spec))
        _ = try await cluster.queue.redis.send("RPUSH", .string("\(prefix):run:\(run):tasks"), .string(taskID))
        _ = try await cluster.queue.redis.send("ZADD", .string("\(prefix):queue:\(queue):ready"), "1000000", .string(ref))
        _ = try await cluster.queue.redis.send("LPUSH", .string("\(prefix):queue:\(queue):wake"), "1")
    }

    private static func deadLetter(_ ref: String, _ cluster: ProcessCluster) async throws -> DeadLetter? {
        try await cluster.queue.deadLetters(limit: 1000).first { $0.ref == ref }
    }

    @Test(.timeLimit(.minutes(3)))
    func signedRunsSucceedAndForgedOrAlteredTasksRunNothing() async throws {
        try await withProcessCluster(namespace: "sig") { cluster in
            let keys = try Self.keyFile([try Self.newKey("k1")])
            try cluster.start("qrew-coordinator", ["--id", "c1", "--signing-key-file", keys], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "2", "--signing-key-file", keys], name: "w1")
            let env = cluster.qctlEnvironment
            let file = try temporaryFile("signed.yaml", """
                name: signed
                steps:
                  - id: list
                    run: [echo, '["x","y"]']
                  - id: fan
                    matrix: { item: "${{ fromJSON(steps.list.output) }}" }
                    run: [echo, "item-${{ matrix.item }}"]
                  - id: sub
                    type: workflow
                    dependsOn: [fan]
                    with: { who: signed }
                    workflow:
                      name: child
                      params: { who: nobody }
                      steps:
                        - id: hello
                          run: [echo, "child of ${{ params.who }}"]
                """)
            let result = try await qctl("submit", file, "--run-id", "ok", "--wait", environment: env, timeout: .seconds(90))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)\n\(cluster.logs)")
            let run = try await cluster.queue.waitForRun("ok", timeout: .seconds(30)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)")
            // Every task the coordinator made carries a signature: stored, expanded and child runs.
            for task in run.tasks { #expect(task["sig"]?.hasPrefix("k1:") == true, "\(task)") }
            #expect(run.tasks.contains { $0["id"] == "fan[1]" && $0["state"] == "succeeded" }, "\(run.tasks)")
            let childRun = try #require(run.tasks.first { $0["id"] == "sub" }?["childRun"])
            let childSnapshot = try await cluster.queue.waitForRun(childRun, timeout: .seconds(30)) { $0.isFinished }
            #expect(childSnapshot.state == "succeeded")
            #expect(childSnapshot.tasks.first?["sig"]?.hasPrefix("k1:") == true, "\(childSnapshot.tasks)")

            // A run that stays open: its one task waits on a queue no worker serves yet.
            let sideDirectory = try temporaryDirectory()
            let held = try temporaryFile("held.yaml", """
                name: held
                steps:
                  - id: waits
                    queue: held
                    run: [echo, harmless]
                """)
            let submitted = try await qctl("submit", held, "--run-id", "open", environment: env)
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let waiting = try await Self.waitForTask("open/waits", cluster) { $0["state"] == "ready" }
            let legit = try #require(try await cluster.queue.redis.send("HGET", "sig:run:open:specs", "waits").string)
            #expect(waiting["sig"]?.hasPrefix("k1:") == true)

            // A forged task (no signature): refused, nothing runs, dead-lettered without retries.
            let forgedSide = sideDirectory + "/forged"
            let forgedSpec = legit.replacingOccurrences(of: #"["echo","harmless"]"#, with: "[\"touch\",\"\(forgedSide)\"]")
                .replacingOccurrences(of: #""waits""#, with: #""evil""#)
            #expect(forgedSpec.contains(forgedSide), "\(legit)")
            try await Self.forge("evil", run: "open", queue: "default", spec: forgedSpec, cluster)
            let forged = try await Self.waitForTask("open/evil", cluster) { $0["state"] == "failed" }
            #expect(forged["error"] == "signature refused: unsigned task", "\(forged)")
            #expect(forged["attempt"] == "1", "a refusal is not retried: \(forged)")
            #expect(!FileManager.default.fileExists(atPath: forgedSide), "the forged command ran")
            #expect(try await Self.deadLetter("open/evil", cluster)?.reason == "signature refused: unsigned task")

            // A forged signature (another key with the same id): refused as a bad signature.
            let impostor = try TaskSigner(keyring: SigningKeyring(parsing: Self.newKey("k1"), source: "impostor"), namespace: "sig")
            let impostorSide = sideDirectory + "/impostor"
            let impostorSpec = legit.replacingOccurrences(of: #"["echo","harmless"]"#, with: "[\"touch\",\"\(impostorSide)\"]")
            try await Self.forge("impostor", run: "open", queue: "default", spec: impostorSpec,
                                 extra: ["sig": impostor.signature(.task, runID: "open", taskID: "impostor", spec: impostorSpec)], cluster)
            let impostorTask = try await Self.waitForTask("open/impostor", cluster) { $0["state"] == "failed" }
            #expect(impostorTask["error"] == "signature refused: bad signature (key k1)", "\(impostorTask)")
            #expect(!FileManager.default.fileExists(atPath: impostorSide))

            // Forged placeholders: the coordinator refuses to expand or start anything from them.
            try await Self.forge("evilfan", run: "open", queue: "__expand", spec: legit,
                                 extra: ["fanOut": #"{"key":"item","source":"waits","queue":"default"}"#], cluster)
            let evilFan = try await Self.waitForTask("open/evilfan", cluster) { $0["state"] == "failed" }
            #expect(evilFan["error"] == "signature refused: unsigned task", "\(evilFan)")
            try await Self.forge("evilsub", run: "open", queue: "__workflow", spec: legit, cluster)
            let evilSub = try await Self.waitForTask("open/evilsub", cluster) { $0["state"] == "failed" }
            #expect(evilSub["error"] == "signature refused: unsigned task", "\(evilSub)")
            #expect(evilSub["childRun"] == nil, "\(evilSub)")

            // An altered spec of a legitimately signed task (HSET of <run>:specs): refused once a worker claims it.
            let alteredSide = sideDirectory + "/altered"
            let altered = legit.replacingOccurrences(of: #"["echo","harmless"]"#, with: "[\"touch\",\"\(alteredSide)\"]")
            _ = try await cluster.queue.redis.send("HSET", "sig:run:open:specs", "waits", .string(altered))
            try cluster.start("qrew-worker", ["--name", "w2", "--queues", "held", "--signing-key-file", keys], name: "w2")
            let alteredTask = try await Self.waitForTask("open/waits", cluster) { $0["state"] == "failed" }
            #expect(alteredTask["error"] == "signature refused: bad signature (key k1)", "\(alteredTask)")
            #expect(!FileManager.default.fileExists(atPath: alteredSide), "the altered command ran")
            #expect(try await Self.deadLetter("open/waits", cluster)?.reason == "signature refused: bad signature (key k1)")
        }
    }

    @Test(.timeLimit(.minutes(3)))
    func tasksSignedWithThePreviousKeyRunAfterARotationAndUnknownKeysAreRefused() async throws {
        try await withProcessCluster(namespace: "rot") { cluster in
            let k1 = try Self.newKey("k1"), k2 = try Self.newKey("k2"), k3 = try Self.newKey("k3")
            let before = try Self.keyFile([k1])
            let after = try Self.keyFile([k2, k1])
            let env = cluster.qctlEnvironment
            let flow = { (queue: String) in
                try temporaryFile("\(queue).yaml", """
                    name: rotation
                    steps:
                      - id: a
                        queue: \(queue)
                        run: [echo, "ran on \(queue)"]
                    """)
            }
            // Signed with k1, then the coordinator moves to k2 (k1 kept as the previous key).
            let first = try cluster.start("qrew-coordinator", ["--id", "c1", "--signing-key-file", before], name: "c1")
            #expect(try await qctl("submit", flow("rotq"), "--run-id", "old", environment: env).status == 0)
            let old = try await Self.waitForTask("old/a", cluster) { $0["state"] == "ready" }
            #expect(old["sig"]?.hasPrefix("k1:") == true, "\(old)")
            kill(first.pid, SIGTERM)
            await first.terminate(grace: .seconds(5))
            try cluster.start("qrew-coordinator", ["--id", "c2", "--signing-key-file", after], name: "c2")
            #expect(try await qctl("submit", flow("rotq"), "--run-id", "new", environment: env).status == 0)
            #expect(try await qctl("submit", flow("other"), "--run-id", "stranger", environment: env).status == 0)
            let new = try await Self.waitForTask("new/a", cluster) { $0["state"] == "ready" }
            #expect(new["sig"]?.hasPrefix("k2:") == true, "\(new)")

            // Workers with the rotated file run both; a worker with only an unrelated key refuses.
            try cluster.start("qrew-worker", ["--name", "w1", "--queues", "rotq", "--signing-key-file", after], name: "w1")
            for run in ["old", "new"] {
                let snapshot = try await cluster.queue.waitForRun(run, timeout: .seconds(60)) { $0.isFinished }
                #expect(snapshot.state == "succeeded", "\(run): \(snapshot.tasks)\n\(cluster.logs)")
            }
            try cluster.start("qrew-worker", ["--name", "w3", "--queues", "other", "--signing-key-file", Self.keyFile([k3])], name: "w3")
            let refused = try await Self.waitForTask("stranger/a", cluster) { $0["state"] == "failed" }
            #expect(refused["error"] == "signature refused: unknown key id 'k2'", "\(refused)")
            #expect(refused["output"] ?? "" == "", "nothing ran: \(refused)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func badKeyFilesStopTheServicesWithAClearError() async throws {
        let short = try temporaryFile("short", "k1:\(Data(count: 8).base64EncodedString())\n")
        for binary in ["qrew-coordinator", "qrew-worker"] {
            let executable = QctlProcess.productsDirectory + "/" + binary
            let result = await (try QctlProcess(["--redis", "redis://127.0.0.1:1", "--signing-key-file", short], executable: executable))
                .wait(timeout: .seconds(20))
            #expect(result.status != 0, "\(binary) started with a short key")
            #expect(result.stderr.contains("key 'k1' is 8 bytes; at least 32"), "\(binary): \(result.stderr)")
            let missing = await (try QctlProcess(
                ["--redis", "redis://127.0.0.1:1"], environment: ["QREW_SIGNING_KEY_FILE": "/nonexistent/keys"], executable: executable))
                .wait(timeout: .seconds(20))
            #expect(missing.status != 0)
            #expect(missing.stderr.contains("cannot read the signing key file /nonexistent/keys"), "\(binary): \(missing.stderr)")
        }
        let made = try await qctl("signing-key", "new", "--id", "prod1")
        #expect(made.status == 0, "\(made.stderr)")
        let line = made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(line.hasPrefix("prod1:"))
        let checked = try await qctl("signing-key", "check", try temporaryFile("made", line + "\n" + (try Self.newKey("old")) + "\n"))
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("current key: prod1") && checked.stdout.contains("previous key: old"), "\(checked.stdout)")
        let bad = try await qctl("signing-key", "check", short)
        #expect(bad.status == 1, "\(bad.stdout)\(bad.stderr)")
        #expect(bad.stderr.contains("at least 32"), "\(bad.stderr)")
    }

    /// `qctl dev --signing-key-file` runs the local cluster signed: every stored task carries a
    /// signature, and the run succeeds; a bad file is refused before anything starts.
    @Test(.timeLimit(.minutes(2)))
    func qctlDevPassesTheKeyFileToTheLocalCluster() async throws {
        try await withCluster(coordinator: false) { cluster in
            let installed = try DevCommandTests.installation(withWorker: true)
            let keys = try Self.keyFile([try Self.newKey("dev1")])
            let dev = try QctlProcess(
                ["dev", ExampleWorkflowTests.examples + "/dynamic-fan-out.yaml", "--workers", "1", "--no-web", "--signing-key-file", keys],
                environment: cluster.environment, executable: installed)
            let result = await dev.wait(timeout: .seconds(90))
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            let runID = try #require(result.stdout.firstMatch(of: /run (dynamic-fan-out-\S+) succeeded/)?.output.1, "\(result.stdout)")
            let snapshot = try await cluster.waitForRun(String(runID))
            #expect(!snapshot.tasks.isEmpty)
            for task in snapshot.tasks { #expect(task["sig"]?.hasPrefix("dev1:") == true, "\(task)") }

            let short = try temporaryFile("short", "k1:\(Data(count: 8).base64EncodedString())\n")
            let refused = await (try QctlProcess(
                ["dev", ExampleWorkflowTests.examples + "/dynamic-fan-out.yaml", "--no-web", "--signing-key-file", short],
                environment: cluster.environment, executable: installed)).wait(timeout: .seconds(30))
            #expect(refused.status == 2, "\(refused.stdout)\n\(refused.stderr)")
            #expect(refused.stderr.contains("invalid --signing-key-file"), "\(refused.stderr)")
        }
    }
}
