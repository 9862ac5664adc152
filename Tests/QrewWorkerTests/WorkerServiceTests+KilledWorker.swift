import Foundation
import QrewQueue
import QrewTestSupport
import Testing
@testable import QrewWorker

extension WorkerServiceTests {
    /// A `qrew-worker` process killed with SIGKILL (as the OOM killer does) takes its tasks
    /// with it: nothing of them keeps running while the task is run again elsewhere.
    @Suite struct KilledWorker {
        @Test func sigkillLeavesNoProcessOfItsTasksWithinASecond() async throws {
            try await withWorkerFixture { fixture in
                let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-killed-\(UUID().uuidString)").path
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                defer { try? FileManager.default.removeItem(atPath: directory) }
                // The task's shell, a grandchild in its process group and one that left it
                // (setsid), then a second task the same way: every pid goes to a file.
                let script = #"sleep 60 & echo $$ $! >> "$1"; setsid sleep 61 & echo $! >> "$1"; wait"#
                try await fixture.submit("r1", [
                    try taskRecord("r1", "a", argv: ["sh", "-c", script, "sh", directory + "/a"]),
                    try taskRecord("r1", "b", argv: ["sh", "-c", script, "sh", directory + "/b"]),
                ])
                let path = try Binary.executable()
                let worker = try await ChildProcess.spawn(
                    path: path,
                    argv: [path, "--redis", fixture.server.url, "--namespace", WorkerFixture.namespace, "--name", "doomed",
                           "--concurrency", "2"],
                    environment: ProcessInfo.processInfo.environment, cwd: nil)
                let pump = OutputPump.start(stdoutFD: worker.stdoutFD, stderrFD: worker.stderrFD, cap: 1 << 16, batcher: OutputBatcher())

                let pids = await ProcessProbe.pids(in: directory + "/a", count: 3) + ProcessProbe.pids(in: directory + "/b", count: 3)
                let stderr = { String(decoding: pump.done.current?.stderr ?? [], as: UTF8.self) }
                try #require(pids.count == 6, "the tasks did not start: \(stderr())")
                #expect(pids.allSatisfy(ProcessProbe.isAlive))

                kill(worker.pid, SIGKILL)
                let survivors = await ProcessProbe.survivors(of: pids, within: .seconds(1))
                #expect(survivors.isEmpty, "still running a second after the worker was killed: \(survivors)")
                let status = await within(.seconds(5)) { await worker.exitStatus.value }
                #expect(status.map(Termination.init(waitStatus:)) == .signaled(SIGKILL))
                for pid in survivors { kill(pid, SIGKILL) }
            }
        }
    }
}
