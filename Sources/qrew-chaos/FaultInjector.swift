import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis
import Synchronization

/// Carries out a `FaultPlan` on a running `LocalCluster`. Faults overlap (a worker can be frozen
/// while Redis restarts or a partition holds), but a process already under a fault is not picked again until it has
/// recovered: the next free slot is taken instead, or the fault is skipped. Every wait is
/// bounded, so the injector ends shortly after its window.
final class FaultInjector: Sendable {
    let cluster: LocalCluster
    let plan: FaultPlan
    let log: FaultLog
    /// Reads the leader and the workers' heartbeats.
    let queue: QueueClient
    /// The proxy in front of Redis for worker slots `0..<proxiedWorkers`, if any.
    let proxy: PartitionProxy?
    let proxiedWorkers: Int

    private let busy = Mutex(Busy())

    private struct Busy {
        var workers: Set<Int> = []
        var coordinators: Set<Int> = []
        var redis = false
        var partition = false
    }

    init(cluster: LocalCluster, plan: FaultPlan, log: FaultLog, queue: QueueClient, proxy: PartitionProxy?, proxiedWorkers: Int) {
        self.cluster = cluster
        self.plan = plan
        self.log = log
        self.queue = queue
        self.proxy = proxy
        self.proxiedWorkers = proxiedWorkers
    }

    /// Fires every fault at its time from now and returns once all have recovered.
    func run() async {
        let opened = ContinuousClock.now
        await withTaskGroup(of: Void.self) { group in
            for fault in plan.faults {
                try? await Task.sleep(until: opened + fault.at)
                if Task.isCancelled { break }
                group.addTask { await self.fire(fault.action) }
            }
        }
    }

    private func fire(_ action: FaultPlan.Action) async {
        switch action {
        case .killWorker(let slot, let downtime):
            guard let slot = take(\.workers, preferring: slot, of: cluster.workers.count) else { return log.note("skip worker kill: every worker is under a fault") }
            defer { release(\.workers, slot) }
            let victim = cluster.workers[slot]
            let name = cluster.workerName(at: slot)
            await victim.terminate(signal: SIGKILL, grace: .zero)
            log.injected(.workerKill, "SIGKILL worker \(name) (pid \(victim.pid)); replacement in \(downtime.short)")
            try? await Task.sleep(for: downtime)
            relaunch("worker \(slot + 1)") {
                let process = try cluster.relaunchWorker(at: slot)
                return "started worker \(cluster.workerName(at: slot)) (pid \(process.pid))"
            }
        case .killCoordinator(let slot, let downtime):
            guard let slot = take(\.coordinators, preferring: slot, of: cluster.coordinators.count) else { return log.note("skip coordinator kill: every coordinator is under a fault") }
            defer { release(\.coordinators, slot) }
            let victim = cluster.coordinators[slot]
            await victim.terminate(signal: SIGKILL, grace: .zero)
            log.injected(.coordinatorKill, "SIGKILL coordinator \(slot + 1) (pid \(victim.pid)); restart in \(downtime.short)")
            try? await Task.sleep(for: downtime)
            relaunch("coordinator \(slot + 1)") {
                "restarted coordinator \(slot + 1) (pid \(try cluster.relaunchCoordinator(at: slot).pid))"
            }
        case .stopWorker(let slot, let hold):
            guard let slot = take(\.workers, preferring: slot, of: cluster.workers.count) else { return log.note("skip worker stop: every worker is under a fault") }
            defer { release(\.workers, slot) }
            let victim = cluster.workers[slot]
            guard victim.exited == nil else { return log.note("skip worker stop: worker \(slot + 1) is not running") }
            kill(victim.pid, SIGSTOP)
            log.injected(.workerStop, "SIGSTOP worker \(cluster.workerName(at: slot)) (pid \(victim.pid)) for \(hold.short)")
            try? await Task.sleep(for: hold)
            kill(victim.pid, SIGCONT)
            log.note("SIGCONT worker \(cluster.workerName(at: slot)) (pid \(victim.pid))")
        case .stopCoordinator(let planned, let hold):
            let leader = await leaderSlot()
            guard let slot = take(\.coordinators, preferring: leader ?? planned, of: cluster.coordinators.count) else { return log.note("skip coordinator stop: every coordinator is under a fault") }
            defer { release(\.coordinators, slot) }
            let victim = cluster.coordinators[slot]
            guard victim.exited == nil else { return log.note("skip coordinator stop: coordinator \(slot + 1) is not running") }
            kill(victim.pid, SIGSTOP)
            log.injected(.coordinatorStop, "SIGSTOP coordinator \(slot + 1) (pid \(victim.pid), \(slot == leader ? "the leader" : "leader unknown or busy: a standby")) for \(hold.short)")
            try? await Task.sleep(for: hold)
            let now = await leaderSlot()
            kill(victim.pid, SIGCONT)
            log.note("SIGCONT coordinator \(slot + 1) (pid \(victim.pid)); leader now: \(now.map { "coordinator \($0 + 1)" } ?? "unknown")")
        case .partitionWorkers(let hold, let reset):
            guard let proxy else { return }
            guard busy.withLock({ busy in
                defer { busy.partition = true }
                return !busy.partition
            }) else { return log.note("skip partition: one is under way") }
            defer { busy.withLock { $0.partition = false } }
            // The proxied workers not under another fault are kept from other faults until the
            // recovery check is done, so the check means something.
            let held = busy.withLock { busy in
                let free = (0..<proxiedWorkers).filter { !busy.workers.contains($0) }
                busy.workers.formUnion(free)
                return free
            }
            defer { busy.withLock { $0.workers.subtract(held) } }
            let names = (0..<proxiedWorkers).map { cluster.workerName(at: $0) }
            proxy.partition()
            log.injected(.workerPartition, "partition: the proxy black-holes \(names.joined(separator: ", ")) (\(proxy.connectionCount) connection(s) held) for \(hold.short)")
            try? await Task.sleep(for: hold)
            let healed = ChaosClock.wallMilliseconds
            proxy.heal(reset: reset)
            log.note("partition healed: held connections \(reset ? "reset (RST)" : "resumed")")
            await checkRecovery(of: held, after: healed)
        case .restartRedis(let hard, let downtime):
            guard let redis = cluster.redis else { return }
            guard busy.withLock({ busy in
                defer { busy.redis = true }
                return !busy.redis
            }) else { return log.note("skip redis restart: one is under way") }
            defer { busy.withLock { $0.redis = false } }
            if hard { await redis.kill() } else { await redis.stop() }
            log.injected(.redisRestart, "\(hard ? "SIGKILL" : "SIGTERM") redis-server (port \(redis.port)); start in \(downtime.short)")
            try? await Task.sleep(for: downtime)
            for attempt in 1...5 {
                do {
                    try await redis.start()
                    log.note("redis-server back on port \(redis.port) (AOF reloaded)")
                    break
                } catch {
                    log.note("redis-server start \(attempt)/5 failed: \(error)")
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// The slot of the coordinator holding `P:leader` (`<tag>-coordinator[-N]:<fence>`), if known.
    private func leaderSlot() async -> Int? {
        guard let value = try? await queue.redis.send("GET", .string(queue.keys.leader)).string,
              let colon = value.lastIndex(of: ":") else { return nil }
        let id = value[..<colon]
        let base = "\(cluster.options.tag)-coordinator"
        if id == base { return 0 }
        guard id.hasPrefix(base + "-"), let number = Int(id.dropFirst(base.count + 1)) else { return nil }
        return number - 1
    }

    /// A worker cut off from Redis must not hang: once the partition heals, each of `slots`
    /// has to heartbeat again (a heartbeat written after the heal, not one delayed by it) within
    /// three leases plus the longest backoff.
    private func checkRecovery(of slots: [Int], after healed: Int) async {
        let bound = plan.lease * 3 + .seconds(5)
        let deadline = ContinuousClock.now + bound
        var waiting = Set(slots.filter { cluster.workers[$0].exited == nil })
        while !waiting.isEmpty, ContinuousClock.now < deadline {
            for slot in waiting {
                let name = cluster.workerName(at: slot)
                let score = try? await queue.redis.send("ZSCORE", .string(queue.keys.workers), .string(name)).string
                if let beat = score.flatMap(Double.init), Int(beat) > healed {
                    log.note("worker \(name) heartbeats again \(Int(beat) - healed) ms after the heal")
                    waiting.remove(slot)
                }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
        for slot in waiting {
            log.failure("worker \(cluster.workerName(at: slot)) did not heartbeat within \(bound.short) after the partition healed")
        }
    }

    private func relaunch(_ what: String, _ start: () throws -> String) {
        do {
            log.note(try start())
        } catch {
            log.note("cannot relaunch \(what): \(error)")
        }
    }

    /// Marks a slot as under a fault: `preferred` if free, else the next free one, else nil.
    private func take(_ set: WritableKeyPath<Busy, Set<Int>>, preferring preferred: Int, of count: Int) -> Int? {
        busy.withLock { busy in
            for offset in 0..<count {
                let slot = (preferred + offset) % count
                if !busy[keyPath: set].contains(slot) {
                    busy[keyPath: set].insert(slot)
                    return slot
                }
            }
            return nil
        }
    }

    private func release(_ set: WritableKeyPath<Busy, Set<Int>>, _ slot: Int) {
        _ = busy.withLock { $0[keyPath: set].remove(slot) }
    }
}
