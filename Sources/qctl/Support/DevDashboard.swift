import Foundation
import QrewLocalCluster
import QrewRedis

/// The `qrew-web` that `qctl dev` starts next to its local cluster (anonymous writes, on
/// 127.0.0.1 only), started through `qrew-supervise` so it dies with qctl however qctl dies.
struct DevDashboard {
    let process: SpawnedProcess
    /// `http://127.0.0.1:PORT/`.
    let url: String

    /// Starts qrew-web on `port` (or any free port when that one is taken) and waits until it
    /// listens; nil, with the reason on stderr, when it cannot (the cluster goes on without it).
    static func start(cluster: LocalCluster, port: Int) async -> DevDashboard? {
        let binary = LocalCluster.executableDirectory + "/qrew-web"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            Console.error("qctl dev: no dashboard: qrew-web is not next to qctl (swift build --product qrew-web)")
            return nil
        }
        for candidate in port == 0 ? [0] : [port, 0] {
            let log = "\(cluster.logDirectory)/qrew-web\(candidate == 0 ? "-any" : "").log"
            guard let process = try? SpawnedProcess(
                executable: binary,
                arguments: ["--redis", cluster.redisURL, "--namespace", cluster.options.namespace, "--port", "\(candidate)",
                            "--allow-anonymous-writes"],
                logPath: log, environment: ["QREW_WEB_TOKEN": ""],
                supervisor: LocalCluster.executableDirectory + "/qrew-supervise")
            else { continue }
            let deadline = ContinuousClock.now + .seconds(15)
            while ContinuousClock.now < deadline, process.exited == nil {
                let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
                if let range = text.range(of: "listening on http://127.0.0.1:") {
                    let digits = text[range.upperBound...].prefix { $0.isNumber }
                    return DevDashboard(process: process, url: "http://127.0.0.1:\(digits)/")
                }
                try? await Task.sleep(for: .milliseconds(50))
            }
            await process.terminate(grace: .seconds(2))
        }
        Console.error("qctl dev: no dashboard: qrew-web did not start (logs in \(cluster.logDirectory))")
        return nil
    }

    func stop() async {
        await process.terminate(grace: .seconds(3))
    }
}
