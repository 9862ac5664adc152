import Foundation
import QrewLocalCluster
import QrewRedis
import Testing

/// A local cluster of real processes (redis-server, a coordinator, workers) and a real
/// `qrew-web` on a free port, for the HTTP tests; everything is stopped when the test ends.
final class WebCluster: @unchecked Sendable {
    let cluster: LocalCluster
    let web: SpawnedProcess
    let port: Int
    let namespace: String

    var client: HTTPTestClient { HTTPTestClient(port: port) }
    var logs: String { "--- qrew-web\n\(web.logTail(lines: 30))" }

    private init(cluster: LocalCluster, web: SpawnedProcess, port: Int, namespace: String) {
        (self.cluster, self.web, self.port, self.namespace) = (cluster, web, port, namespace)
    }

    /// Starts the cluster and a qrew-web with `webArguments` and `environment` (e.g.
    /// `QREW_WEB_TOKEN`), waiting until it listens.
    static func start(
        namespace: String, workers: Int = 1, webArguments: [String] = [], environment: [String: String] = [:]
    ) async throws -> WebCluster {
        let cluster = try await LocalCluster.start(LocalCluster.Options(
            binDirectory: LocalCluster.executableDirectory, namespace: namespace, workers: workers,
            workerConcurrency: 4, tag: "web-\(getpid())"))
        let logPath = "\(cluster.logDirectory)/qrew-web.log"
        var base = ProcessInfo.processInfo.environment
        base["QREW_WEB_TOKEN"] = nil
        let web: SpawnedProcess
        do {
            web = try SpawnedProcess(
                executable: LocalCluster.executableDirectory + "/qrew-web",
                arguments: ["--redis", cluster.redisURL, "--namespace", namespace, "--port", "0"] + webArguments,
                logPath: logPath, baseEnvironment: base, environment: environment,
                supervisor: LocalCluster.executableDirectory + "/qrew-supervise")
        } catch {
            await cluster.stop()
            throw error
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let log = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            if let range = log.range(of: "listening on http://127.0.0.1:") {
                let digits = log[range.upperBound...].prefix { $0.isNumber }
                if let port = Int(digits) { return WebCluster(cluster: cluster, web: web, port: port, namespace: namespace) }
            }
            if web.exited != nil { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let tail = web.logTail(lines: 30)
        await web.terminate(grace: .seconds(2))
        await cluster.stop()
        throw HTTPTestClient.Failure(description: "qrew-web did not start listening:\n\(tail)")
    }

    func stop() async {
        await web.terminate(grace: .seconds(3))
        await cluster.stop()
    }

    /// Submits `workflow` through the API (anonymous or with `token`); the new run's id.
    func submit(_ workflow: String, query: String = "", token: String? = nil) throws -> String {
        let reply = try client.post("/api/runs\(query)", body: workflow, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
        guard reply.status == 201, let id = (try reply.json() as? [String: Any])?["id"] as? String else {
            throw HTTPTestClient.Failure(description: "submit answered \(reply.status): \(reply.text)\n\(logs)")
        }
        return id
    }

    /// Polls `GET /api/runs/{id}` until the run finished; its state.
    func waitFinished(_ id: String, timeout: Duration = .seconds(60)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let reply = try client.get("/api/runs/\(id)")
            if reply.status == 200, let document = try reply.json() as? [String: Any], document["finishedAt"] is String {
                return document["state"] as? String ?? "?"
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPTestClient.Failure(description: "run \(id) did not finish within \(timeout)\n\(logs)")
    }
}

/// Runs `body` with a started `WebCluster`, stopping it afterwards whatever happens.
func withWebCluster(
    namespace: String, workers: Int = 1, webArguments: [String] = ["--allow-anonymous-writes"],
    environment: [String: String] = [:], _ body: (WebCluster) async throws -> Void
) async throws {
    let web = try await WebCluster.start(namespace: namespace, workers: workers, webArguments: webArguments, environment: environment)
    do {
        try await body(web)
    } catch {
        await web.stop()
        throw error
    }
    await web.stop()
}
