import Foundation

/// Celery, Dramatiq and huey measured by `bench/peers/peers.py` on the cluster benchmark's own
/// redis-server (databases 1, 2 and 3) and machine, in the same run: the same figures (a), (b)
/// and (d) as Qrew's, and (q), submitting 10,000 tasks from a fresh client process and waiting
/// for all (against `qctl submit --wait`), read from the script's JSON lines with the key of the
/// Qrew figure each compares with. Skipped, with a line saying why, when python3, the script or
/// the frameworks are missing.
struct PeerBenchmark: Sendable {
    /// Path of `peers.py`.
    let script: String
    /// The interpreter to run it with; python3 on PATH when nil or not executable.
    let python: String?
    let tasks: Int
    let runs: Int
    let chainSteps: Int

    func run(redisURL: String) async -> [BenchmarkFigure] {
        let chosen = python.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil }
        guard let python = chosen ?? ChildCommand.find("python3") else {
            print("peers: skipped (no python3)")
            return []
        }
        guard FileManager.default.fileExists(atPath: script) else {
            print("peers: skipped (\(script) not found; run qrew-bench from the repository root or pass --peers)")
            return []
        }
        print("peers: Celery, Dramatiq and huey on the same redis-server ...")
        let output: String
        do {
            output = try await ChildCommand.output(
                of: python,
                [script, "--redis", redisURL, "--tasks", String(tasks), "--runs", String(runs), "--chain", String(chainSteps)],
                showErrors: true)
        } catch {
            print("peers: skipped (\(error))")
            return []
        }
        var figures: [BenchmarkFigure] = []
        for line in output.split(separator: "\n") {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let name = object["name"] as? String
            else { continue }
            if let reason = object["skipped"] as? String {
                print("peers: \(name) skipped: \(reason) (pip install celery dramatiq huey redis)")
            } else if let value = (object["value"] as? NSNumber)?.doubleValue {
                figures.append(BenchmarkFigure(
                    name: name, value: value, unit: object["unit"] as? String ?? "", note: object["note"] as? String ?? "",
                    key: object["key"] as? String, peer: object["peer"] as? String))
            }
        }
        return figures
    }
}
