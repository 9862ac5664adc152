import QrewQueue
import Foundation
import Synchronization
@testable import QrewWorker

#if canImport(Glibc)
import Glibc
#endif

/// Records every batch an executor delivers, and when.
final class Collector: Sendable {
    private let state = Mutex<[(at: ContinuousClock.Instant, lines: [OutputLine])]>([])
    let firstStdoutLine = OneShot<String>()

    var sink: OutputSink {
        { [self] lines in
            let isFirst = state.withLock { batches -> Bool in
                let hadStdout = batches.contains { $0.lines.contains { $0.stream == .stdout } }
                batches.append((.now, lines))
                return !hadStdout
            }
            if isFirst, let line = lines.first(where: { $0.stream == .stdout }) {
                firstStdoutLine.fulfill(line.text)
            }
        }
    }

    var batches: [[OutputLine]] { state.withLock { $0.map(\.lines) } }
    var times: [ContinuousClock.Instant] { state.withLock { $0.map(\.at) } }
    var lines: [OutputLine] { batches.flatMap { $0 } }
    func texts(_ stream: OutputLine.Stream) -> [String] { lines.filter { $0.stream == stream }.map(\.text) }
}

func shell(
    _ argv: [String], useShell: Bool = false, env: [String: String] = [:], cwd: String? = nil,
    timeout: Duration? = nil, grace: Duration = .seconds(5), cap: Int = 1 << 20,
    extra: [String: String] = [:]
) -> TaskExecution {
    TaskExecution(
        .shell(argv: argv, useShell: useShell, env: env, cwd: cwd),
        timeout: timeout, killGrace: grace, outputCap: cap, extraEnvironment: extra)
}

func run(_ execution: TaskExecution, _ collector: Collector = Collector()) async -> TaskExecutionResult {
    await ExecutorRegistry().run(execution, onOutput: collector.sink)
}

/// `kill(-pgid, 0)` reaches ESRCH once every member is gone *and reaped*; orphans are reaped
/// by PID 1, which in some containers (this sandbox) does so lazily, so allow a few seconds.
func groupVanishes(_ pgid: pid_t, within limit: Duration = .seconds(6)) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if kill(-pgid, 0) == -1 && errno == ESRCH { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return false
}

/// Waits for a value with a bound, so a broken executor fails the test instead of hanging it.
func within<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> T) async -> T? {
    await withTaskGroup(of: T?.self) { group in
        group.addTask { await body() }
        group.addTask { try? await Task.sleep(for: limit); return nil }
        let first = await group.next()!
        group.cancelAll()
        return first
    }
}
