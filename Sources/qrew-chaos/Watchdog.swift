import Foundation
import QrewLocalCluster
import Synchronization

/// The last line of defence against a hang: if the suite is still running at the hard deadline
/// (something blocked past every bounded wait), or on SIGINT/SIGTERM, it kills every child
/// (workers, coordinators, redis-server) and exits non-zero, so no run of the suite leaves
/// processes behind or outlives its time box.
final class Watchdog: Sendable {
    private let cluster = Mutex<LocalCluster?>(nil)
    private let redisPidFile: String
    /// The signal sources, kept alive for the life of the process (never cancelled).
    nonisolated(unsafe) private var sources: [any DispatchSourceSignal] = []

    init(redisPidFile: String) {
        self.redisPidFile = redisPidFile
    }

    func watch(_ cluster: LocalCluster) {
        self.cluster.withLock { $0 = cluster }
    }

    /// Arms the deadline and the signal handlers; `report` says what is known at that moment.
    func arm(deadline: Duration, report: @escaping @Sendable () -> String) {
        let thread = Thread { [self] in
            Thread.sleep(forTimeInterval: deadline.seconds)
            say("chaos: hard deadline of \(deadline) passed; killing the cluster. \(report())")
            killChildren()
            exit(3)
        }
        thread.name = "qrew-chaos-watchdog"
        thread.start()
        let queue = DispatchQueue(label: "qrew-chaos.signals")
        let installed = [SIGINT, SIGTERM].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in
                say("chaos: interrupted; killing the cluster. \(report())")
                killChildren()
                exit(128 + number)
            }
            source.resume()
            return source
        }
        sources = installed
    }

    /// SIGKILLs every child still running. Synchronous: it runs when nothing else can be trusted.
    func killChildren() {
        if let cluster = cluster.withLock({ $0 }) {
            for (_, process) in cluster.processes where process.exited == nil {
                kill(process.pid, SIGKILL)
            }
        }
        if let text = try? String(contentsOfFile: redisPidFile, encoding: .utf8),
           let pid = pid_t(text.trimmingCharacters(in: .whitespacesAndNewlines)),
           let name = try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8), name.hasPrefix("redis-server") {
            kill(pid, SIGKILL)
        }
    }
}
