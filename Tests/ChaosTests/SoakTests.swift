import Foundation
import QrewLocalCluster
import QrewRedis
import Testing

/// A short `qrew-chaos soak`: too short to see a slow leak in bytes (that is `make soak`'s job,
/// for minutes), but a key left behind per run or per task shows in the key count within seconds.
/// Part of the serialized `ChaosSuiteTests`, so it never shares the machine with the chaos run.
extension ChaosSuiteTests {
    @Test(.timeLimit(.minutes(2)))
    func aShortSoakKeepsRedisFlat() async throws {
        let binaries = LocalCluster.executableDirectory
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("qrew-soak-test-XXXXXX")).utf8CString)
        let directory = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let output = directory + "/output"
        let process = try SpawnedProcess(
            executable: binaries + "/qrew-chaos",
            arguments: ["soak", "--duration", "24s", "--sample-every", "1s", "--retention", "2s", "--bin-dir", binaries],
            logPath: output,
            baseEnvironment: ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("QREW_") })
        let status = await process.waitForExit(timeout: .seconds(90))
        if status == nil { await process.terminate(signal: SIGINT, grace: .seconds(5)) }
        let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(status.map(SpawnedProcess.exitCode) == 0, "qrew-chaos soak failed:\n\(text)")
        #expect(text.contains("soak: flat"), "\(text)")
    }
}
