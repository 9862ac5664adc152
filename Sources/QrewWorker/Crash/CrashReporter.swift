import QrewQueue
import QrewRedis
import Synchronization

/// A crash reporter makes a worker's own crash (a trap, a bad access, an abort: never a kill)
/// count against the task that caused it, so that `reap_leases` quarantines a task that crashed
/// two workers instead of handing it to every worker in turn (docs/worker.md, "Crash reports and
/// quarantine").
///
/// From Redis a crashed worker looks like a killed one: its leases just expire. Only the
/// process knows it crashed, and only in a signal handler, where it can do little more than
/// `write(2)`. So everything is prepared ahead: a connection of its own
/// (``CrashReportConnection``), the constant head of the `record_crash` command, and the
/// ref/token pairs of the tasks it blames: the crashing attempt's (``CrashAttribution``), or,
/// when the crashing thread runs no attempt, every task held from the moment its claim reply
/// arrived until its result is recorded or it is handed back. The held set is double-buffered
/// behind an atomic, so the handler takes no lock.
final class CrashReporter: Sendable {
    private struct Held {
        /// Each held task's preformatted ref/token pair, built once when it is claimed, so a
        /// change costs a few copies rather than formatting every held task again.
        var tasks: [TaskRef: [UInt8]] = [:]
        var length = 0
        /// Two blocks: the one published (a handler may read it) and the one filled next.
        var blocks = [CrashReportBlock.allocate(capacity: 1024), CrashReportBlock.allocate(capacity: 1024)]
        var published = 0
        /// Whether this reporter owns the process's handlers (and so publishes the held set).
        var installed = false
    }

    private let head: [UInt8]
    private let connection: CrashReportConnection
    private let logger: ServiceLogger
    private let held = Mutex(Held())
    private let handler = CrashHandlerState.shared

    /// A reporter for worker `worker` in namespace `prefix`, sending `script` (`record_crash`)
    /// over its own connection to `redis`, which it checks every `checkInterval`.
    init(redis: RedisConfiguration, prefix: String, worker: String, script: String, checkInterval: Duration, logger: ServiceLogger) {
        self.head = CrashReportCommand.head(script: script, prefix: prefix, worker: worker)
        self.logger = logger
        let handler = self.handler
        self.connection = CrashReportConnection(configuration: redis, interval: checkInterval, logger: logger) { socket in
            handler.socket.store(socket, ordering: .sequentiallyConsistent)
        }
    }

    deinit {
        held.withLock { held in
            for block in held.blocks { block.deallocate() }
        }
    }

    /// Installs the signal handlers and connects; returns once the first connection attempt is
    /// over. Signal handlers are process-wide: a second reporter in the same process logs why and
    /// stays off.
    func start() async {
        let headBlock = CrashReportBlock.make(head, count: 0)
        guard CrashSignalHandler.install(head: headBlock) else {
            headBlock.deallocate()
            logger.warning("crash reports off: another worker in this process reports its crashes")
            return
        }
        held.withLock { held in
            held.installed = true
            publish(&held)
        }
        if await connection.start() {
            logger.info("crash reports on: a task that crashes two workers is quarantined")
        } else {
            logger.warning("crash reports: cannot connect to Redis yet; a crash is not counted until it can")
        }
    }

    /// Uninstalls the handlers (putting back the ones they replaced) and closes the connection.
    func stop() {
        let owned = held.withLock { held -> Bool in
            defer { held.installed = false }
            return held.installed
        }
        guard owned else { return }
        handler.held.store(0, ordering: .sequentiallyConsistent)
        CrashSignalHandler.uninstall()?.deallocate()
        connection.stop()
    }

    /// Blames `tasks` for a crash from now on: their claim reply has just arrived.
    func hold(_ tasks: [ClaimedTask]) {
        guard !tasks.isEmpty else { return }
        held.withLock { held in
            for task in tasks {
                let pair = CrashReportCommand.blamed([(task.ref, task.token)])
                held.length += pair.count - (held.tasks.updateValue(pair, forKey: task.ref)?.count ?? 0)
            }
            publish(&held)
        }
    }

    /// Stops blaming `ref`: its result is recorded, or it was stopped or handed back.
    func release(_ ref: TaskRef) {
        held.withLock { held in
            guard let pair = held.tasks.removeValue(forKey: ref) else { return }
            held.length -= pair.count
            publish(&held)
        }
    }

    /// What a crash during `task`'s attempt blames: run the attempt with it as
    /// ``CrashAttribution/current``, then `end()` it.
    func attribution(for task: ClaimedTask) -> CrashAttribution {
        CrashAttribution(task)
    }

    /// Fills the block not published with the held set and publishes it. Once a handler has
    /// started reporting, nothing is written: it may be reading the published block, and the
    /// next one could be the one it read before the last swap.
    private func publish(_ held: inout Held) {
        guard held.installed, handler.phase.load(ordering: .sequentiallyConsistent) == 0 else { return }
        let next = 1 - held.published
        let capacity = held.blocks[next].capacity
        if capacity < held.length {
            held.blocks[next].deallocate()
            held.blocks[next] = .allocate(capacity: max(held.length, 2 * capacity))
        }
        held.blocks[next].fill(parts: held.tasks.values, count: held.tasks.count)
        handler.held.store(Int(bitPattern: held.blocks[next].raw), ordering: .sequentiallyConsistent)
        held.published = next
    }
}
