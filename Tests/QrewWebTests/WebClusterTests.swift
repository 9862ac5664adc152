import Foundation
import QrewLocalCluster
import QrewRedis
import Testing

/// qrew-web against a live cluster (redis-server, coordinator, worker and qrew-web processes):
/// every read endpoint, the event stream's replay and resume, auth refusals and bad input.
/// A heavy suite (whole clusters): Makefile CLUSTER_SUITES.
@Suite("WebClusterTests", .serialized, .timeLimit(.minutes(3)))
struct WebClusterTests {
    /// A short run: a matrix, a pool, output on stdout and stderr.
    static let workflow = """
        name: web-check
        parallel:
          resources: { webpool: 2 }
        steps:
          - id: prepare
            run: ["sh", "-c", "echo preparing; echo warn >&2"]
          - id: build
            dependsOn: [prepare]
            matrix: { target: [a, b, c] }
            resource: webpool
            run: ["sh", "-c", "echo building $0; sleep 0.2; echo built $0", "${{ matrix.target }}"]
          - id: ship
            dependsOn: [build]
            run: ["sh", "-c", "echo shipped"]
        """

    @Test func readsMatchQctlAndTheStreamEndsAfterTheRun() async throws {
        try await withWebCluster(namespace: "webreads") { web in
            let client = web.client
            let id = try web.submit(Self.workflow, query: "?file=check.yaml")
            // The stream from the start ends by itself after run_finished.
            let stream = try client.events("/api/runs/\(id)/events")
            #expect(stream.status == 200)
            #expect(stream.headers["content-type"]?.hasPrefix("text/event-stream") == true)
            let events = try stream.rest()
            stream.close()
            #expect(events.last?.fields["type"] == "run_finished", "\(events.suffix(3))")
            #expect(events.last?.fields["state"] == "succeeded")
            let finished = Set(events.filter { $0.fields["type"] == "task_finished" }.compactMap { $0.fields["task"] })
            #expect(finished.count == 5, "\(finished)")
            #expect(Set(events.map(\.id)).count == events.count, "event ids are unique")

            // The status document is qctl status --json's, key for key.
            let status = try client.get("/api/runs/\(id)")
            #expect(status.status == 200)
            #expect(status.headers["x-qrew-stream-position"] != nil)
            let qctl = try runQctl(["status", id, "--json"], web)
            #expect(try canonical(status.body) == canonical(Data(qctl.utf8)))

            let list = try client.get("/api/runs?limit=5")
            let runs = (try list.json() as? [String: Any])?["runs"] as? [[String: Any]] ?? []
            #expect(runs.first?["id"] as? String == id)
            #expect(runs.first?["done"] as? Int == 5 && runs.first?["total"] as? Int == 5)
            let failedOnly = try client.get("/api/runs?state=failed")
            #expect(((try failedOnly.json() as? [String: Any])?["runs"] as? [Any])?.isEmpty == true)

            let plan = try client.get("/api/runs/\(id)/plan").json() as? [String: Any] ?? [:]
            #expect((plan["levels"] as? [[String]])?.map(\.count) == [1, 3, 1])
            #expect((plan["edges"] as? [[String]])?.count == 6)
            #expect((plan["criticalPath"] as? [String])?.count == 3)
            #expect(plan["taskCount"] as? Int == 5)

            // The statistics are qctl stats --json's. The leader learns the workflow's step
            // durations (which price the planned critical path) just after the run ends, so the
            // two reads may straddle that write: read both again until they see the same store.
            var statsAgree = false
            for _ in 0..<20 where !statsAgree {
                let stats = try client.get("/api/runs/\(id)/stats")
                #expect(stats.status == 200)
                statsAgree = try canonical(stats.body) == canonical(Data(try runQctl(["stats", id, "--json"], web).utf8))
                if !statsAgree { try await Task.sleep(for: .milliseconds(250)) }
            }
            #expect(statsAgree, "qrew-web's stats and qctl stats --json differ after 20 reads")
            #expect(try client.get("/api/runs/no-such-run/stats").status == 404)

            let task = try client.get("/api/runs/\(id)/tasks/prepare").json() as? [String: Any] ?? [:]
            #expect(task["state"] as? String == "succeeded")
            #expect((task["output"] as? String)?.contains("preparing") == true)
            #expect(try client.get("/api/runs/\(id)/tasks/nope").status == 404)
            let matrixTask = try client.get("/api/runs/\(id)/tasks/build%5Btarget%3Db%5D").json() as? [String: Any] ?? [:]
            #expect(matrixTask["id"] as? String == "build[target=b]")
            #expect((matrixTask["output"] as? String)?.contains("built b") == true)

            // Pages of one run each, newest first, follow the cursor to the end.
            let older = [id, try web.submit("name: second\nsteps:\n  - id: a\n    run: [\"true\"]\n")]
            let newest = try web.submit("name: third\nsteps:\n  - id: a\n    run: [\"true\"]\n")
            var paged: [String] = []
            var cursor: String? = nil
            repeat {
                let query = cursor.map { "&cursor=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0) } ?? ""
                let page = try client.get("/api/runs?limit=1" + query).json() as? [String: Any] ?? [:]
                paged += (page["runs"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
                cursor = page["nextCursor"] as? String
            } while cursor != nil && paged.count < 10
            #expect(paged == [newest] + older.reversed(), "\(paged)")

            let workers = try client.get("/api/workers").json() as? [[String: Any]] ?? []
            #expect(workers.count == 1)
            #expect((workers.first?["info"] as? [String: Any])?["slots"] as? Int == 4)
            let pools = try client.get("/api/pools").json() as? [[String: Any]] ?? []
            #expect(pools.map { $0["name"] as? String } == ["webpool"])
            #expect(pools.first?["size"] as? Int == 2 && pools.first?["inflight"] as? Int == 0)
            #expect((try client.get("/api/dlq").json() as? [Any])?.isEmpty == true)
            let page = try client.get("/")
            #expect(page.status == 200 && page.text.contains("/assets/app.js"))
            #expect(try client.get("/assets/app.js").status == 200)
        }
    }

    @Test func aResumedStreamLosesAndRepeatsNothing() async throws {
        try await withWebCluster(namespace: "webresume") { web in
            let client = web.client
            let id = try web.submit("""
                name: web-resume
                steps:
                  - id: slow
                    matrix: { n: [1, 2, 3, 4, 5, 6] }
                    run: ["sh", "-c", "for i in 1 2 3; do echo line $i of $0; sleep 0.1; done", "${{ matrix.n }}"]
                  - id: last
                    dependsOn: [slow]
                    run: ["sh", "-c", "echo done"]
                """)
            // Read a few events while the run goes, drop the connection, resume from the last id.
            let first = try client.events("/api/runs/\(id)/events")
            var seen: [HTTPTestClient.Event] = []
            while seen.count < 4, let event = try first.next() { seen.append(event) }
            first.close()
            #expect(seen.count == 4)
            let resumed = try client.events("/api/runs/\(id)/events", headers: ["Last-Event-ID": seen.last!.id])
            let rest = try resumed.rest()
            resumed.close()
            // The whole stream, replayed after the run finished.
            let all = try client.events("/api/runs/\(id)/events").rest()
            #expect(all.last?.fields["type"] == "run_finished")
            #expect(seen + rest == all, "resumed: \(seen.count)+\(rest.count), whole: \(all.count)")
            // Resuming from every position (inside a batch entry too) gives exactly the rest.
            for index in [0, all.count / 3, all.count / 2, all.count - 2] {
                let tail = try client.events("/api/runs/\(id)/events?lastEventId=\(all[index].id)").rest()
                #expect(tail == Array(all[(index + 1)...]), "after event \(index) (\(all[index].id))")
            }
            for (index, event) in all.enumerated() where event.id.contains("/") {
                let tail = try client.events("/api/runs/\(id)/events", headers: ["Last-Event-ID": event.id]).rest()
                #expect(tail == Array(all[(index + 1)...]), "after batch event \(event.id)")
                break
            }
            // From the end: the run is over, the stream ends at once.
            #expect(try client.events("/api/runs/\(id)/events", headers: ["Last-Event-ID": all.last!.id]).rest().isEmpty)
        }
    }

    @Test func aDeadLetterIsListedAndRequeuedFromTheAPI() async throws {
        try await withWebCluster(namespace: "webdlq") { web in
            let client = web.client
            let id = try web.submit("name: doomed\nsteps:\n  - id: boom\n    retries: 0\n    run: [\"sh\", \"-c\", \"echo nope >&2; exit 3\"]\n")
            #expect(try await web.waitFinished(id) == "failed")
            let letters = try client.get("/api/dlq").json() as? [[String: Any]] ?? []
            let letter = try #require(letters.first { $0["run"] as? String == id }, "\(letters)")
            #expect(letter["task"] as? String == "boom")
            let letterID = try #require(letter["id"] as? String)
            let requeue = try client.post("/api/dlq/\(letterID)/requeue")
            #expect(requeue.status == 200, "\(requeue.text)")
            let result = try requeue.json() as? [String: Any] ?? [:]
            #expect(result["run"] as? String == id && result["tasks"] as? Int == 1)
            // It runs (and fails) again, and the entry left the list.
            #expect(try await web.waitFinished(id) == "failed")
            let task = try client.get("/api/runs/\(id)/tasks/boom").json() as? [String: Any] ?? [:]
            #expect((task["attempts"] as? Int ?? 0) >= 1 && task["exitCode"] as? Int == 3)
            #expect(try client.post("/api/dlq/\(letterID)/requeue").status == 404)
        }
    }

    @Test func writesNeedTheTokenAndAreRefusedWithoutOne() async throws {
        let token = "test-token-0123456789abcdef"
        try await withWebCluster(namespace: "webauth", webArguments: [], environment: ["QREW_WEB_TOKEN": token]) { web in
            let client = web.client
            let body = "name: auth\nsteps:\n  - id: a\n    run: [\"true\"]\n"
            #expect(try client.post("/api/runs", body: body).status == 401)
            #expect(try client.post("/api/runs", body: body, headers: ["Authorization": "Bearer wrong-token-0123456789ab"]).status == 401)
            #expect(try client.post("/api/runs", body: body, headers: ["Authorization": token]).status == 401)
            let id = try web.submit(body, token: token)
            #expect(try await web.waitFinished(id) == "succeeded")
            #expect(try client.post("/api/runs/\(id)/retry").status == 401)
            #expect(try client.post("/api/runs/\(id)/cancel").status == 401)
            #expect(try client.post("/api/dlq/1/requeue").status == 401)
            #expect(try client.get("/api/runs/\(id)").status == 200, "reads need no token")
            let config = try client.get("/api/config").json() as? [String: Any]
            #expect(config?["writes"] as? String == "token")
        }
        try await withWebCluster(namespace: "webnowrite", webArguments: []) { web in
            let reply = try web.client.post("/api/runs", body: "name: x\nsteps:\n  - id: a\n    run: [\"true\"]\n")
            #expect(reply.status == 403)
            #expect(reply.errorMessage.contains("QREW_WEB_TOKEN"))
            #expect(try web.client.post("/api/runs/x/cancel", headers: ["Authorization": "Bearer anything-at-all-here"]).status == 403)
        }
    }

    @Test func theTokenCanComeFromAFile() async throws {
        let token = "file-token-0123456789abcdef"
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-web-token-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/web.token"
        try (token + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        try await withWebCluster(namespace: "webtokenfile", webArguments: [], environment: ["QREW_WEB_TOKEN_FILE": file]) { web in
            let body = "name: auth\nsteps:\n  - id: a\n    run: [\"true\"]\n"
            #expect(try web.client.post("/api/runs", body: body).status == 401)
            let id = try web.submit(body, token: token)
            #expect(try await web.waitFinished(id) == "succeeded")
        }
    }

    @Test func badInputGetsA4xxWithAMessage() async throws {
        try await withWebCluster(namespace: "webbad", webArguments: ["--allow-anonymous-writes", "--max-body-bytes", "4096", "--max-event-streams", "1"]) { web in
            let client = web.client
            let invalid = try client.post("/api/runs?file=bad.yaml", body: "name: bad\nsteps:\n  - id: a\n    run: [\"true\"]\n    retries: lots\n")
            #expect(invalid.status == 422)
            let problems = ((try invalid.json() as? [String: Any])?["error"] as? [String: Any])?["problems"] as? [String] ?? []
            #expect(problems.contains { $0.hasPrefix("bad.yaml:5:") }, "\(problems)")
            #expect(try client.post("/api/runs", body: "steps: [").status == 422)
            #expect(try client.post("/api/runs", body: String(repeating: "#", count: 5000)).status == 413)
            #expect(try client.request("POST", "/api/runs", body: Data([0xff, 0xfe, 0x00])).status == 400)
            #expect(try client.post("/api/runs?set=novalue", body: "name: x\nsteps:\n  - id: a\n    run: [\"true\"]\n").status == 400)
            #expect(try client.get("/api/runs/no-such-run").status == 404)
            #expect(try client.get("/api/runs/no-such-run/plan").status == 404)
            #expect(try client.get("/api/runs/no-such-run/events").status == 404)
            #expect(try client.get("/api/runs/%2e%2e%2fx").status == 404)
            #expect(try client.post("/api/runs/no-such-run/cancel").status == 404)
            #expect(try client.post("/api/runs/no-such-run/retry").status == 404)
            #expect(try client.post("/api/dlq/999/requeue").status == 404)
            #expect(try client.get("/api/runs?limit=0").status == 400)
            #expect(try client.get("/api/runs?limit=abc").status == 400)
            #expect(try client.get("/api/runs?cursor=zzz").status == 400)
            #expect(try client.get("/api/runs?state=sleeping").status == 400)
            #expect(try client.get("/api/dlq?limit=-1").status == 400)
            let unknown = try client.get("/api/nothing")
            #expect(unknown.status == 404 && unknown.errorMessage.contains("no endpoint GET /api/nothing"))
            #expect(try client.request("DELETE", "/api/runs").status == 404)
            #expect(try client.get("/api/runs/x/tasks").status == 404)

            // One event stream at most here: a second one gets 503 while the first is open.
            let id = try web.submit("name: long\nsteps:\n  - id: a\n    run: [\"sh\", \"-c\", \"sleep 3\"]\n")
            #expect(try client.get("/api/runs/\(id)/events?lastEventId=banana").status == 400)
            let open = try client.events("/api/runs/\(id)/events")
            #expect(open.status == 200)
            _ = try open.next()
            let refused = try client.get("/api/runs/\(id)/events")
            #expect(refused.status == 503)
            #expect(refused.errorMessage.contains("too many event streams"))
            open.close()
            // Canceling the running run from the API ends it canceled.
            let cancel = try client.post("/api/runs/\(id)/cancel")
            #expect(cancel.status == 200)
            #expect(try await web.waitFinished(id) == "canceled")
            let retry = try client.post("/api/runs/\(id)/retry")
            #expect(retry.status == 200)
            #expect(web.web.exited == nil, "qrew-web is still up")
        }
    }
}

/// Runs the real qctl against the cluster; its stdout.
func runQctl(_ arguments: [String], _ web: WebCluster) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: LocalCluster.executableDirectory + "/qctl")
    process.arguments = arguments + ["--redis", web.cluster.redisURL, "--namespace", web.namespace]
    let pipe = Pipe()
    process.standardOutput = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

/// JSON re-encoded with sorted keys, to compare two documents.
func canonical(_ data: Data) throws -> String {
    let object = try JSONSerialization.jsonObject(with: data)
    return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}
