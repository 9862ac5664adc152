import Foundation
import QrewCore
import QrewRedis

extension QueueClient {
    /// Running tasks examined for who holds a full limit's slots (`qctl why`).
    public static let holdersScanned = 5000

    /// What holds each not-running task of run `runID` back right now (`qctl why`), read
    /// without any write: the run and its tasks, then pipelined membership checks (backoff
    /// set, ready queue, parked sets), the limits' counts, the running tasks holding full limits,
    /// gates and the workers seen within `liveWithin`. Nil for an unknown run.
    public func waitFacts(_ runID: String, liveWithin: Duration) async throws(QueueError) -> WaitFacts? {
        guard let snapshot = try await runSnapshot(runID) else { return nil }
        let now = try await serverTime()
        var tasks: [String: [String: String]] = [:]
        for task in snapshot.tasks { tasks[task["id"] ?? ""] = task }
        var facts = WaitFacts(runState: snapshot.state, now: now, tasks: tasks, order: snapshot.tasks.map { $0["id"] ?? "" })
        let ready = snapshot.tasks.filter { $0["state"] == "ready" && ($0["await"] ?? "").isEmpty }
        guard !ready.isEmpty else { return facts }

        // Where each ready task is: backing off, queued, or parked on which limit.
        var checks: [[RedisArgument]] = []
        var meaning: [(task: String, what: String)] = []
        for task in ready {
            let id = task["id"] ?? ""
            let ref = TaskRef(runID: runID, taskID: id).description
            checks.append(["ZSCORE", .string(keys.delayed), .string(ref)])
            meaning.append((id, "delayed"))
            checks.append(["ZSCORE", .string(keys.ready(queue: task["queue"].flatMap { $0.isEmpty ? nil : $0 } ?? "default")), .string(ref)])
            meaning.append((id, "queued"))
            for limit in (task["limits"] ?? "").split(separator: ",").map(String.init) {
                checks.append(["ZSCORE", .string(keys.limit(limit, run: runID).parked), .string(ref)])
                meaning.append((id, limit))
            }
        }
        for (check, reply) in zip(meaning, try await pipeline(checks)) where reply.string != nil {
            switch check.what {
            case "delayed": facts.delayed.insert(check.task)
            case "queued": facts.queued.insert(check.task)
            default: facts.parkedOn[check.task, default: []].append(check.what)
            }
        }

        // The limits tasks are parked on: size, count, and the running tasks holding them.
        let parkedLimits = Set(facts.parkedOn.values.flatMap { $0 }).sorted()
        if !parkedLimits.isEmpty {
            var reads: [[RedisArgument]] = []
            for limit in parkedLimits {
                let location = keys.limit(limit, run: runID)
                let sizeRead: [RedisArgument] = location.size.map { ["HGET", .string($0.key), .string($0.field)] } ?? ["ECHO", ""]
                reads.append(sizeRead)
                reads.append(["HGET", .string(location.count.key), .string(location.count.field)])
            }
            let values = try await pipeline(reads)
            let running = (try await send(["ZRANGE", .string(keys.leases), 0, .int(Self.holdersScanned - 1)]).array ?? []).compactMap(\.string)
            let refs = running.compactMap { TaskRef($0) }
            let held = try await pipeline(refs.map { ["HGET", .string(keys.task($0)), "limits"] })
            var holders: [String: [String]] = [:]
            for (ref, reply) in zip(refs.map(\.description), held) {
                for limit in (reply.string ?? "").split(separator: ",") { holders[String(limit), default: []].append(ref) }
            }
            for (offset, limit) in parkedLimits.enumerated() {
                // `run` and `step:<id>` are per-run limits: only this run's tasks hold its slots.
                let perRun = !(limit.hasPrefix("pool:") || limit.hasPrefix("key:"))
                let heldBy = (holders[limit] ?? []).filter { !perRun || $0.hasPrefix(runID + "/") }
                let size = values[2 * offset].string.flatMap { Int($0) } ?? RunRecords.keyedLimitSize(limit)
                facts.limits[limit] = WaitFacts.Limit(
                    size: size, inflight: values[2 * offset + 1].string.flatMap { Int($0) } ?? 0, holders: heldBy)
            }
        }

        for (task, wait) in try await gateWaits(snapshot) {
            facts.gates[task] = WaitFacts.Gate(summary: wait.summary, until: wait.until)
        }

        // The live workers of the queues that hold ready tasks.
        if !facts.queued.isEmpty {
            for worker in try await workers(seenWithin: liveWithin, now: now) {
                guard let info = try? FoundationJSON.decode(WorkerQueues.self, from: Data(worker.info.utf8)) else { continue }
                for queue in info.queues ?? ["default"] {
                    var service = facts.queues[queue] ?? WaitFacts.QueueService(workers: [], slots: 0, running: 0)
                    service.workers.append(worker.name)
                    service.slots += info.slots ?? 0
                    service.running += info.running ?? 0
                    facts.queues[queue] = service
                }
            }
        }
        return facts
    }
}

/// The part of a worker's heartbeat info `qctl why` reads.
private struct WorkerQueues: Decodable {
    var queues: [String]?
    var slots: Int?
    var running: Int?
}
