import Foundation
import QrewQueue
import QrewRedis
import Testing

/// Circuit breakers, rate limits and keyed concurrency through `qctl submit` on real coordinator
/// and worker processes (heavy: a cluster per test; in the Makefile's CLUSTER_SUITES).
@Suite("gates on a cluster", .serialized)
struct GatesClusterTests {
    /// 2 workers × 64 slots against `limit: 50, per: 1s`: no 1 s window holds more than 50
    /// starts over a run of 600 instant tasks (about 12 s), read from the tasks' startedAt.
    @Test func aRateLimitHoldsAcrossWorkersInEverySecond() async throws {
        try await withProcessCluster(namespace: "rate") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "64"], name: "w1")
            try cluster.start("qrew-worker", ["--name", "w2", "--concurrency", "64"], name: "w2")
            let values = (0..<200).map(String.init).joined(separator: ", ")
            let steps = (1...3).map { step in
                """
                  - id: call\(step)
                    type: echo
                    with: { message: hi }
                    matrix: { n: [\(values)] }
                    rateLimit: { key: api, limit: 50, per: 1s }

                """
            }.joined()
            let file = try temporaryFile("rate.yaml", "name: rate\nsteps:\n" + steps)
            let submitted = try await qctl("submit", file, "--run-id", "rate-1", environment: environment(cluster))
            #expect(submitted.status == 0, "\(submitted.stderr)")
            let run = try await cluster.queue.waitForRun("rate-1", timeout: .seconds(90)) { $0.isFinished }
            #expect(run.state == "succeeded", "\(run.fields)\n\(cluster.logs)")
            let starts = run.tasks.compactMap { $0["startedAt"].flatMap { Int($0) } }.sorted()
            try #require(starts.count == 600)
            var busiest = 0
            var first = 0
            for last in starts.indices {
                while starts[last] - starts[first] >= 1000 { first += 1 }
                busiest = max(busiest, last - first + 1)
            }
            #expect(busiest <= 50, "\(busiest) starts within one second")
            #expect(busiest >= 25, "the limit, not something else, paced the run: busiest second \(busiest)")
            let span = try #require(starts.last) - starts[0]
            #expect(span >= 11_000, "600 starts at 50 a second take at least 11 s, took \(span) ms")
        }
    }

    /// `concurrency: { key: ${{ params.customer }}, limit: 2 }`: two runs of one customer share
    /// two slots, while another customer's run goes on beside them.
    @Test func keyedConcurrencyIsSharedByRunsOfOneKeyOnly() async throws {
        try await withProcessCluster(namespace: "keyed") { cluster in
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "16"], name: "w1")
            let file = try temporaryFile("keyed.yaml", """
                name: keyed
                params: { customer: nobody }
                steps:
                  - id: work
                    type: sleep
                    with: { duration: 300ms }
                    matrix: { n: [1, 2, 3, 4, 5, 6] }
                    concurrency: { key: "${{ params.customer }}", limit: 2 }
                """)
            for (run, customer) in [("acme-1", "acme"), ("acme-2", "acme"), ("globex-1", "globex")] {
                let submitted = try await qctl("submit", file, "--run-id", run, "--set", "customer=\(customer)",
                                               environment: environment(cluster))
                #expect(submitted.status == 0, "\(submitted.stderr)")
            }
            var intervals: [String: [(Int, Int)]] = [:]
            for run in ["acme-1", "acme-2", "globex-1"] {
                let snapshot = try await cluster.queue.waitForRun(run, timeout: .seconds(60)) { $0.isFinished }
                #expect(snapshot.state == "succeeded", "\(snapshot.fields)\n\(cluster.logs)")
                for task in snapshot.tasks {
                    #expect(task["concurrencyKey"] == String(run.prefix { $0 != "-" }))
                    guard let start = task["startedAt"].flatMap({ Int($0) }), let end = task["finishedAt"].flatMap({ Int($0) })
                    else { continue }
                    intervals[task["concurrencyKey"] ?? "", default: []].append((start, end))
                }
            }
            #expect(Self.mostAtOnce(intervals["acme"] ?? []) == 2, "acme: \(intervals["acme"] ?? [])")
            #expect(Self.mostAtOnce(intervals["globex"] ?? []) == 2)
            #expect(Self.mostAtOnce((intervals["acme"] ?? []) + (intervals["globex"] ?? [])) > 2,
                    "globex runs beside acme, not after it")
            #expect(try await cluster.queue.redis.send("KEYS", "keyed:key:*").array?.isEmpty == true,
                    "idle keys leave no counter behind")
        }
    }

    /// A flaky endpoint on 127.0.0.1 that fails its first 3 requests: the breaker opens after 3
    /// failures, holds the next task back for the cooldown (`qctl status` says why), lets one
    /// probe through, closes on its success and lets the rest run.
    @Test func aBreakerHoldsTasksBackFromAFlakyEndpointUntilAProbeSucceeds() async throws {
        try await withProcessCluster(namespace: "breaker") { cluster in
            let endpoint = try await FlakyEndpoint(failing: 3, directory: cluster.logDirectory)
            defer { endpoint.stop() }
            try cluster.start("qrew-coordinator", ["--id", "c1"], name: "coordinator")
            try cluster.start("qrew-worker", ["--name", "w1", "--concurrency", "1"], name: "w1")
            let file = try temporaryFile("flaky.yaml", """
                name: flaky
                steps:
                  - id: call
                    type: http
                    url: "http://127.0.0.1:\(endpoint.port)/api"
                    matrix: { n: [1, 2, 3, 4, 5, 6] }
                    continueOnError: true
                    circuitBreaker: { failures: 3, window: 1m, cooldown: 3s, key: flaky-api }
                """)
            let submitted = try await qctl("submit", file, "--run-id", "flaky-1", environment: environment(cluster))
            #expect(submitted.status == 0, "\(submitted.stderr)")

            var sawWaiting = false
            var sawOpen = false
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline {
                let status = try await qctl("status", "flaky-1", "--json", environment: environment(cluster))
                if status.stdout.contains("circuit breaker 'flaky-api' open until") { sawWaiting = true }
                let breakers = try await qctl("breakers", "--json", environment: environment(cluster))
                if breakers.stdout.contains("\"state\" : \"open\"") { sawOpen = true }
                if try await cluster.queue.runFields("flaky-1")?["finishedAt"] != nil { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            let run = try await cluster.queue.waitForRun("flaky-1", timeout: .seconds(5)) { $0.isFinished }
            let states = run.tasks.map { $0["state"] ?? "" }
            #expect(states.filter { $0 == "failed" }.count == 3, "\(states)\n\(cluster.logs)")
            #expect(states.filter { $0 == "succeeded" }.count == 3, "\(states)")
            #expect(run.tasks.allSatisfy { $0["attempt"] == "1" }, "waiting counted no attempt")
            #expect(sawWaiting, "qctl status showed why a task waited")
            #expect(sawOpen, "qctl breakers showed the open breaker")
            let requests = try endpoint.requestTimes()
            try #require(requests.count == 6, "\(requests)")
            #expect(requests[3] - requests[2] >= 2_500, "the probe waited out the cooldown: \(requests[3] - requests[2]) ms")
            let listed = try await qctl("breakers", "--json", environment: environment(cluster))
            #expect(!listed.stdout.contains("\"open\""), "closed again: \(listed.stdout)")
        }
    }

    private func environment(_ cluster: ProcessCluster) -> [String: String] {
        ["QREW_REDIS_URL": cluster.server.url, "QREW_NAMESPACE": cluster.namespace]
    }

    /// The most intervals (start, end) overlapping at one instant.
    static func mostAtOnce(_ intervals: [(Int, Int)]) -> Int {
        var edges: [(time: Int, change: Int)] = []
        for (start, end) in intervals {
            edges.append((start, 1))
            edges.append((end, -1))
        }
        // An end and a start at the same millisecond do not overlap: ends first.
        edges.sort { $0.time == $1.time ? $0.change < $1.change : $0.time < $1.time }
        var current = 0
        var most = 0
        for edge in edges {
            current += edge.change
            most = max(most, current)
        }
        return most
    }
}

/// A python3 HTTP server on 127.0.0.1 that answers 500 to its first `failing` requests and 200
/// after, logging each request's arrival time (ms).
final class FlakyEndpoint: Sendable {
    let port: Int
    private let process: SpawnedProcess
    private let requestLog: String

    init(failing: Int, directory: String) async throws {
        let script = directory + "/flaky.py"
        requestLog = directory + "/flaky-requests.log"
        try """
            import http.server, sys, threading, time
            failing, log = int(sys.argv[1]), sys.argv[2]
            count, lock = [0], threading.Lock()
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    with lock:
                        count[0] += 1
                        n = count[0]
                        with open(log, 'a') as f:
                            f.write('%d\\n' % int(time.time() * 1000))
                    code, body = (500, b'down') if n <= failing else (200, b'ok')
                    self.send_response(code)
                    self.send_header('Content-Length', str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def log_message(self, *args):
                    pass
            server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Handler)
            print(server.server_address[1], flush=True)
            server.serve_forever()
            """.write(toFile: script, atomically: true, encoding: .utf8)
        let python = try #require(SpawnedProcess.findExecutable("python3"), "the breaker test needs python3")
        let logPath = directory + "/flaky.log"
        process = try SpawnedProcess(executable: python, arguments: [script, String(failing), requestLog], logPath: logPath)
        let deadline = ContinuousClock.now + .seconds(10)
        var port: Int?
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: logPath, encoding: .utf8),
               let line = text.split(separator: "\n").first, let value = Int(line) {
                port = value
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        self.port = try #require(port, "the flaky endpoint did not start: \(process.logTail())")
    }

    /// Arrival times (ms since the epoch) of the requests so far, in order.
    func requestTimes() throws -> [Int] {
        try String(contentsOfFile: requestLog, encoding: .utf8).split(separator: "\n").compactMap { Int($0) }
    }

    func stop() {
        kill(process.pid, SIGKILL)
    }
}
