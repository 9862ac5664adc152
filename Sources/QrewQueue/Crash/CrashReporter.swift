import Logging
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
/// behind an atomic, so the handler takes no lock. A task's release is published lazily (with
/// the next claim, or once the released outnumber the held): `record_crash` counts a crash only
/// on tasks whose token still holds their lease, so a finished task still in the block costs a
/// few bytes of the report and nothing else, and a worker does not copy every held pair again
/// for each task it finishes.
package final class CrashReporter: Sendable {
    /// What a report blames: a task (``hold(_:)``) or another item (``blame(_:_:)``). A task is
    /// looked up by its ref, whose hash is its task id's, not by the ref's ~40 bytes of text.
    private enum Blamed: Hashable {
        case task(TaskRef)
        case item(String)
    }

    private struct Held {
        /// Each held task's preformatted ref/token pair, built once when it is claimed, so a
        /// change costs a few copies rather than formatting every held task again.
        var tasks: [Blamed: [UInt8]] = [:]
        var length = 0
        /// Tasks released since the last publication: the published block still blames them.
        var released = 0
        /// Two blocks: the one published (a handler may read it) and the one filled next.
        var blocks = [CrashReportBlock.allocate(capacity: 1024), CrashReportBlock.allocate(capacity: 1024)]
        var published = 0
        /// Whether this reporter owns the process's handlers (and so publishes the held set).
        var installed = false
    }

    private let head: [UInt8]
    private let consequence: String
    private let connection: CrashReportConnection
    private let logger: Logger
    private let held = Mutex(Held())
    private let handler = CrashHandlerState.shared

    /// A reporter for the worker or coordinator `name` in namespace `prefix`, sending `script`
    /// (`record_crash`, `record_intake_crash`); `consequence` says in the log what a report does
    /// over its own connection to `redis`, which it checks every `checkInterval`.
    package init(
        redis: RedisConfiguration, prefix: String, name: String, script: String, checkInterval: Duration, logger: Logger,
        consequence: String = "a task that crashes two workers is quarantined"
    ) {
        self.head = CrashReportCommand.head(script: script, prefix: prefix, name: name)
        self.consequence = consequence
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
    package func start() async {
        let headBlock = CrashReportBlock.make(head, count: 0)
        guard CrashSignalHandler.install(head: headBlock) else {
            headBlock.deallocate()
            logger.warning("crash reports off: another service in this process reports its crashes")
            return
        }
        held.withLock { held in
            held.installed = true
            publish(&held)
        }
        if await connection.start() {
            logger.info("crash reports on: \(consequence)")
        } else {
            logger.warning("crash reports: cannot connect to Redis yet; a crash is not counted until it can")
        }
    }

    /// Uninstalls the handlers (putting back the ones they replaced) and closes the connection.
    package func stop() {
        let owned = held.withLock { held -> Bool in
            defer { held.installed = false }
            return held.installed
        }
        guard owned else { return }
        handler.held.store(0, ordering: .sequentiallyConsistent)
        CrashSignalHandler.uninstall()?.deallocate()
        connection.stop()
    }

    /// Blames `tasks` for a crash from now on: their claim reply has just arrived. Their pairs are
    /// appended to what the published block holds (released tasks included, see the type's
    /// comment), unless enough were released to publish the held set afresh.
    package func hold(_ tasks: [ClaimedTask]) {
        guard !tasks.isEmpty else { return }
        held.withLock { held in
            var added: [UInt8] = []
            for task in tasks { added += add(.task(task.ref), task.ref.description, task.token, to: &held) }
            if held.released < max(Self.lazyReleases, held.tasks.count) {
                publish(&held, appending: added, count: tasks.count)
            } else {
                publish(&held)
            }
        }
    }

    /// Stops blaming `ref`: its result is recorded, or it was stopped or handed back. Published
    /// with the next `hold`, or once the tasks released since the last publication are at least
    /// `lazyReleases` and as many as those held (see the type's comment).
    package func release(_ ref: TaskRef) {
        held.withLock { held in
            guard remove(.task(ref), from: &held) else { return }
            held.released += 1
            if held.released >= max(Self.lazyReleases, held.tasks.count) { publish(&held) }
        }
    }

    /// Released tasks a published block may go on naming before it is published again.
    package static let lazyReleases = 32

    /// Blames `item` (sent with `detail`: the second value of the script's pairs) for a crash
    /// from now on, for a reporter whose script blames something else than tasks (the
    /// coordinator's submissions, `record_intake_crash`).
    package func blame(_ item: String, _ detail: String) {
        held.withLock { held in
            add(.item(item), item, detail, to: &held)
            publish(&held)
        }
    }

    /// Stops blaming `item`, at once (`record_intake_crash` does not check what it is given).
    package func release(item: String) {
        held.withLock { held in
            if remove(.item(item), from: &held) { publish(&held) }
        }
    }

    /// Takes `blamed`'s pair out of the held set; false when it held none.
    private func remove(_ blamed: Blamed, from held: inout Held) -> Bool {
        guard let pair = held.tasks.removeValue(forKey: blamed) else { return false }
        held.length -= pair.count
        return true
    }

    /// Adds `blamed`'s pair (`item`, its text in the report, and `detail`) to the held set;
    /// returns the pair.
    @discardableResult
    private func add(_ blamed: Blamed, _ item: String, _ detail: String, to held: inout Held) -> [UInt8] {
        let pair = CrashReportCommand.blamed(CollectionOfOne((item, detail)))
        held.length += pair.count - (held.tasks.updateValue(pair, forKey: blamed)?.count ?? 0)
        return pair
    }

    /// What a crash during `task`'s attempt blames: run the attempt with it as
    /// ``CrashAttribution/current``, then `end()` it.
    package func attribution(for task: ClaimedTask) -> CrashAttribution {
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
        held.released = 0
        handler.held.store(Int(bitPattern: held.blocks[next].raw), ordering: .sequentiallyConsistent)
        held.published = next
    }

    /// Publishes the published block's pairs followed by `added` (`count` more pairs): a copy of
    /// bytes rather than of every held pair one by one. Released pairs it still has stay in it.
    private func publish(_ held: inout Held, appending added: [UInt8], count: Int) {
        guard held.installed, handler.phase.load(ordering: .sequentiallyConsistent) == 0 else { return }
        let current = held.blocks[held.published]
        let next = 1 - held.published
        let length = current.bytes.count + added.count
        let capacity = held.blocks[next].capacity
        if capacity < length {
            held.blocks[next].deallocate()
            held.blocks[next] = .allocate(capacity: max(length, 2 * capacity))
        }
        held.blocks[next].fill(copying: current, appending: added, count: current.count + count)
        handler.held.store(Int(bitPattern: held.blocks[next].raw), ordering: .sequentiallyConsistent)
        held.published = next
    }
}
