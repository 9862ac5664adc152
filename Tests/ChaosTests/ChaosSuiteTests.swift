import Foundation
import QrewLocalCluster
import QrewRedis
import Testing

/// The short chaos run of `make test`: the built `qrew-chaos` against real processes (AOF
/// redis-server, two coordinators, three workers) with every kind of fault at least once, dynamic
/// fan-outs in half the runs and two schedules firing while coordinators are killed.
/// The full run is `make chaos`. Waits are generous: a loaded 2-core machine must not fail it.
/// Serialized: each test runs a whole cluster, and two at once would starve each other.
@Suite(.serialized) struct ChaosSuiteTests {
    @Test(.timeLimit(.minutes(4)))
    func shortChaosRunLosesNothingAndDoublesNothing() async throws {
        let binaries = LocalCluster.executableDirectory
        let seed = ProcessInfo.processInfo.environment["QREW_CHAOS_SEED"] ?? "424242"
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("qrew-chaos-test-XXXXXX")).utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/output"
        let process = try SpawnedProcess(
            executable: binaries + "/qrew-chaos",
            arguments: [
                "--seed", seed, "--runs", "8", "--duration", "20s", "--kill-interval", "2.5s", "--lease", "3s",
                "--settle", "90s", "--schedules", "2", "--bin-dir", binaries,
            ],
            logPath: output,
            baseEnvironment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QREW_") })
        // The suite bounds itself (window + settle + margin); this is a backstop.
        let status = await process.waitForExit(timeout: .seconds(220))
        if status == nil { await process.terminate(signal: SIGINT, grace: .seconds(5)) }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        let counts = text.split(separator: "\n").last { $0.hasPrefix("chaos: runs=") }.map(String.init) ?? ""
        #expect(status.map(SpawnedProcess.exitCode) == 0, "qrew-chaos (seed \(seed)) failed:\n\(text)")
        #expect(counts.hasSuffix("lost=0 doubled=0 order_violations=0 unfinished=0"), "counts: \(counts)")
        #expect(counts.contains("runs=8 "), "counts: \(counts)")
        #expect(counts.contains(" pool_violations=0 "), "counts: \(counts)")
        #expect(counts.contains(" rate_violations=0 "), "counts: \(counts)")
        // Dynamic fan-outs and schedules are exercised, and every due tick's run succeeded.
        func count(_ name: String) -> Int? {
            counts.split(separator: " ").first { $0.hasPrefix(name + "=") }.flatMap { Int($0.dropFirst(name.count + 1)) }
        }
        #expect((count("fan_outs") ?? 0) >= 1, "counts: \(counts)")
        #expect((count("schedule_ticks") ?? 0) >= 2, "counts: \(counts)")
        #expect(count("scheduled_runs_succeeded") == count("schedule_ticks"), "counts: \(counts)")
        for kind in ["worker_kills", "coordinator_kills", "redis_restarts", "worker_stops", "coordinator_stops", "worker_partitions"] {
            #expect(!counts.contains("\(kind)=0 "), "no \(kind) injected: \(counts)")
        }
    }
}
