import Foundation
import QrewQueue

/// Checks one run against the suite's invariants from three independent records: the run and
/// task hashes in Redis, the run's progress stream, and the side-effect lines its shell steps
/// wrote.
///
/// - lost: the run says succeeded but a task is not `succeeded` (or is missing), or a shell
///   task's recorded attempt never wrote its `end` line.
/// - doubled: more than one `task_finished … succeeded` for a task, or a recorded output that
///   names another attempt than the one recorded (a stale result was accepted).
/// - order: a task started (first `task_started` in the stream, or first `start` line) before a
///   dependency's recorded success (its `task_finished` entry, or the `end` line of its recorded
///   attempt, with `toleranceMilliseconds` for the clock), or the task hash's timestamps (all
///   from Redis's clock) say queued > started, started > finished, or started before a
///   dependency finished.
struct RunVerifier {
    let plan: PlannedRun
    let snapshot: RunSnapshot?
    let events: [StreamEntry]
    let effects: SideEffects
    var toleranceMilliseconds = 5

    func verify(into report: inout ChaosReport) {
        let run = plan.runID
        guard let snapshot else {
            return report.add(.unfinished, run: run, "the run is unknown to Redis (submission never accepted, or its keys vanished)")
        }
        guard snapshot.isFinished else {
            let open = snapshot.tasks.filter { !ResultMonitor.finalStates.contains($0["state"] ?? "") }
            let listed = open.prefix(8).map(Self.describe).joined(separator: "; ")
            return report.add(.unfinished, run: run, "run state \(snapshot.state), pending=\(snapshot.fields["pending"] ?? "?"), \(open.count) task(s) not final: \(listed)")
        }
        let tasks = Dictionary(snapshot.tasks.compactMap { task in task["id"].map { ($0, task) } }, uniquingKeysWith: { first, _ in first })
        let succeeded = snapshot.state == "succeeded"
        if !succeeded {
            let bad = snapshot.tasks.filter { $0["state"] != "succeeded" }
            report.add(.notSucceeded, run: run, "run ended \(snapshot.state): \(bad.prefix(8).map(Self.describe).joined(separator: "; "))",
                       at: Int(snapshot.fields["finishedAt"] ?? ""))
        }

        // Stream facts per task: index of the first start, and every recorded success.
        var firstStarted: [String: Int] = [:]
        var successes: [String: [(index: Int, attempt: Int, ts: Int)]] = [:]
        for (index, entry) in events.enumerated() {
            guard let task = entry.fields["task"] else { continue }
            switch entry.fields["type"] {
            case "task_started":
                if firstStarted[task] == nil { firstStarted[task] = index }
            case "task_finished" where entry.fields["state"] == "succeeded":
                successes[task, default: []].append((index, Int(entry.fields["attempt"] ?? "") ?? 0, Int(entry.fields["ts"] ?? "") ?? 0))
            default:
                break
            }
        }

        report.reapedLeases += events.count { $0.fields["type"] == "task_retrying" && $0.fields["outcome"] == "lost" }
        report.reexecuted += effects.tasks.values.count { $0.starts.values.reduce(0) { $0 + $1.count } > 1 }

        // Planned task ids per step, from the stored tasks' `step` field.
        var taskIDsByStep: [String: [String]] = [:]
        for task in snapshot.tasks {
            if let step = task["step"], let id = task["id"] { taskIDsByStep[step, default: []].append(id) }
        }
        let steps = plan.stepsByID

        for step in plan.steps {
            let ids = taskIDsByStep[step.id] ?? []
            if ids.count != step.taskCount {
                report.add(ids.count > step.taskCount ? .doubled : .lost, run: run, task: step.id,
                           "step \(step.id) has \(ids.count) stored task(s), planned \(step.taskCount)")
            }
            for id in ids {
                let task = tasks[id] ?? [:]
                let recordedAttempt = successes[id]?.last?.attempt ?? Int(task["attempt"] ?? "") ?? 0
                let successTime = successes[id]?.last?.ts
                let sideEffects = step.writesSideEffects(id)
                // Lost.
                if succeeded, task["state"] != "succeeded" {
                    report.add(.lost, run: run, task: id, "run succeeded but the task is \(Self.describe(task))", at: successTime)
                }
                if sideEffects, task["state"] == "succeeded", effects.tasks[id]?.lastEnd(ofAttempt: recordedAttempt) == nil {
                    let seen = effects.tasks[id].map { "starts \($0.starts.keys.sorted()), ends \($0.ends.keys.sorted())" } ?? "no line at all"
                    report.add(.lost, run: run, task: id, "recorded succeeded with attempt \(recordedAttempt) but that attempt never wrote `end` (\(seen))", at: successTime)
                }
                // Doubled.
                if let all = successes[id], all.count > 1 {
                    report.add(.doubled, run: run, task: id, "\(all.count) task_finished succeeded events (attempts \(all.map(\.attempt)), ts \(all.map(\.ts)))", at: all.last?.ts)
                }
                if task["state"] == "succeeded", let expected = expectedOutput(of: id, step: step, attempt: recordedAttempt, tasks: tasks),
                   !Self.same(task["output"], expected) {
                    report.add(.doubled, run: run, task: id, "recorded output '\(task["output"] ?? "nil")' is not the expected '\(expected)' (task \(Self.describe(task)))", at: successTime)
                }
                // Order, on the one clock (Redis's): queued, started, finished in that order, and
                // started no earlier than each dependency finished.
                checkTimestamps(task: id, task, dependencies: step.dependsOn.flatMap { taskIDsByStep[$0] ?? [] }.compactMap { tasks[$0] },
                                into: &report)
                for dependency in step.dependsOn {
                    let depStep = steps[dependency]
                    for depID in taskIDsByStep[dependency] ?? [] {
                        checkOrder(task: id, dependency: depID, dependencyIsShell: depStep?.writesSideEffects(depID) ?? false,
                                   taskIsShell: sideEffects, firstStarted: firstStarted, successes: successes,
                                   dependencyTask: tasks[depID] ?? [:], into: &report)
                    }
                }
            }
            if case .fanOut(_, let items, _) = step.action {
                verifyFanOut(step, items: items, stored: ids, tasks: tasks, into: &report)
            }
        }
        for line in effects.malformed.prefix(3) {
            report.add(.doubled, run: run, "malformed side-effect line (torn write?): \(line)")
        }
    }

    /// `queuedAt ≤ startedAt ≤ finishedAt` for the task, and `startedAt ≥ finishedAt` of every
    /// dependency: all stamped by the scripts from Redis's clock, so no tolerance applies.
    /// What a succeeded task's output must be (nil: not checked): a shell task names the attempt
    /// that produced it, a list prints its items, a fan-out task adds its item, the fan-out's
    /// join and the gather step hold the JSON array of the fan-out tasks' recorded outputs.
    private func expectedOutput(of id: String, step: PlannedRun.Step, attempt: Int, tasks: [String: [String: String]]) -> String? {
        switch step.action {
        case .shell: return "\(plan.runID) \(id) \(attempt)"
        case .echo: return nil
        case .list(let items): return WorkflowGenerator.json(items)
        case .fanOut(_, let items, _):
            if let item = step.fanOutItem(ofTask: id) { return "\(plan.runID) \(id) \(attempt) \(item)" }
            return Self.jsonArray(items.indices.map { tasks["\(step.id)[\($0)]"]?["output"] ?? "" })
        case .gather(let fanOut):
            guard case .fanOut(_, let items, _)? = plan.stepsByID[fanOut]?.action else { return nil }
            return Self.jsonArray(items.indices.map { tasks["\(fanOut)[\($0)]"]?["output"] ?? "" })
        }
    }

    /// A dynamic fan-out expanded exactly once, into one task per item in order, each of which ran
    /// and succeeded exactly once (side effects: one recorded attempt ended), and whose join's
    /// output (compared as JSON by `expectedOutput`) holds every element in order.
    private func verifyFanOut(
        _ step: PlannedRun.Step, items: [String], stored: [String], tasks: [String: [String: String]], into report: inout ChaosReport
    ) {
        let run = plan.runID
        let planned = [step.id] + items.indices.map { "\(step.id)[\($0)]" }
        if stored.sorted() != planned.sorted() {
            report.add(stored.count > planned.count ? .doubled : .lost, run: run, task: step.id,
                       "fan-out stored tasks \(stored.sorted()), planned \(planned.sorted())")
            return
        }
        if let children = tasks[step.id]?["children"],
           let decoded = try? JSONDecoder().decode([String].self, from: Data(children.utf8)), decoded != Array(planned.dropFirst()) {
            report.add(.doubled, run: run, task: step.id, "the join lists children \(decoded), planned \(Array(planned.dropFirst()))")
        }
        let strays = effects.tasks.keys.filter { $0.hasPrefix(step.id + "[") && !planned.contains($0) }
        if !strays.isEmpty {
            report.add(.doubled, run: run, task: step.id, "side effects of fan-out tasks that were never planned: \(strays.sorted())")
        }
        if planned.allSatisfy({ tasks[$0]?["state"] == "succeeded" }) {
            report.fanOuts += 1
            report.fanOutTasks += items.count
        }
    }

    /// The JSON array of `texts`.
    private static func jsonArray(_ texts: [String]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: texts)) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Whether a recorded output is the expected one; JSON arrays are compared decoded (Redis and
    /// Foundation escape differently).
    private static func same(_ output: String?, _ expected: String) -> Bool {
        guard let output else { return false }
        if expected.hasPrefix("["), let a = try? JSONDecoder().decode([String].self, from: Data(output.utf8)),
           let b = try? JSONDecoder().decode([String].self, from: Data(expected.utf8)) {
            return a == b
        }
        return output == expected
    }

    private func checkTimestamps(
        task id: String, _ task: [String: String], dependencies: [[String: String]], into report: inout ChaosReport
    ) {
        let queued = Int(task["queuedAt"] ?? ""), started = Int(task["startedAt"] ?? ""), finished = Int(task["finishedAt"] ?? "")
        if let queued, let started, started < queued {
            report.add(.order, run: plan.runID, task: id, "startedAt \(started) is before queuedAt \(queued) (\(Self.describe(task)))", at: started)
        }
        if let started, let finished, finished < started {
            report.add(.order, run: plan.runID, task: id, "finishedAt \(finished) is before startedAt \(started) (\(Self.describe(task)))", at: finished)
        }
        guard let started else { return }
        for dependency in dependencies {
            if let depFinished = Int(dependency["finishedAt"] ?? ""), started < depFinished {
                report.add(.order, run: plan.runID, task: id,
                           "startedAt \(started) is before dependency \(dependency["id"] ?? "?")'s finishedAt \(depFinished)", at: started)
            }
        }
    }

    private func checkOrder(
        task id: String, dependency depID: String, dependencyIsShell: Bool, taskIsShell: Bool,
        firstStarted: [String: Int], successes: [String: [(index: Int, attempt: Int, ts: Int)]],
        dependencyTask: [String: String], into report: inout ChaosReport
    ) {
        let run = plan.runID
        if let started = firstStarted[id] {
            if let success = successes[depID]?.first {
                if started < success.index {
                    report.add(.order, run: run, task: id, "stream: task_started (#\(started), ts \(events[started].fields["ts"] ?? "?")) before dependency \(depID)'s task_finished succeeded (#\(success.index), ts \(success.ts))", at: success.ts)
                }
            } else {
                report.add(.order, run: run, task: id, "stream: started (#\(started)) but dependency \(depID) has no task_finished succeeded event (dependency \(Self.describe(dependencyTask)))", at: Int(events[started].fields["ts"] ?? ""))
            }
        }
        guard taskIsShell, dependencyIsShell, let start = effects.tasks[id]?.firstStart else { return }
        let attempt = successes[depID]?.last?.attempt ?? Int(dependencyTask["attempt"] ?? "") ?? 0
        guard let end = effects.tasks[depID]?.lastEnd(ofAttempt: attempt) else { return }  // counted as lost
        if start + toleranceMilliseconds < end {
            report.add(.order, run: run, task: id, "side effects: first start at \(start) ms is \(end - start) ms before dependency \(depID)'s recorded attempt \(attempt) ended (\(end) ms)", at: start)
        }
    }

    static func describe(_ task: [String: String]) -> String {
        let keys = ["state", "attempt", "maxAttempts", "worker", "deps", "error"]
        return "\(task["id"] ?? "?")(" + keys.compactMap { key in task[key].map { "\(key)=\($0)" } }.joined(separator: " ") + ")"
    }
}

extension PlannedRun.Step {
    /// A dynamic fan-out step (its source is a matrix template, not a `dependsOn` entry).
    var isFanOut: Bool {
        if case .fanOut = action { return true }
        return false
    }
}
