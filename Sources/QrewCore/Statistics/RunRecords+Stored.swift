extension RunRecords {
    /// Rebuilds a run's records from what Redis stores (docs/protocol.md): the run hash, each
    /// task hash (plan order) and the run's progress events (a batch already expanded, oldest
    /// first, each as its field map). Attempts come from `task_started` / `task_retrying` /
    /// `task_handed_back` / `task_finished` events; a task whose events the capped stream lost
    /// falls back to its hash (`startedAt`, `finishedAt` of the latest attempt).
    public init(runID: String, run: [String: String], tasks taskFields: [[String: String]],
                events: [[String: String]], now: Int, limitSizes: [String: Int] = [:], estimates: [String: Int] = [:],
                breakers: [String: BreakerState] = [:]) {
        var attempts: [String: [Attempt]] = [:]
        var nextReady: [String: Int] = [:]
        for event in events {
            guard let task = event["task"], let ts = Int(event["ts"] ?? "") else { continue }
            switch event["type"] {
            case "task_started":
                attempts[task, default: []].append(Attempt(readyAt: nextReady.removeValue(forKey: task), startedAt: ts, endedAt: nil, outcome: nil))
            case "task_retrying":
                Self.close(&attempts[task], at: ts, outcome: "retry:" + (event["outcome"] ?? "failed"))
                nextReady[task] = Int(event["retryAt"] ?? "") ?? ts
            case "task_handed_back":
                Self.close(&attempts[task], at: ts, outcome: "handed_back")
                nextReady[task] = ts
            case "task_finished":
                Self.close(&attempts[task], at: ts, outcome: event["state"] ?? "failed")
            case "task_expanded":
                Self.close(&attempts[task], at: ts, outcome: "expanded")
            default:
                continue
            }
        }
        var tasks: [Task] = []
        tasks.reserveCapacity(taskFields.count)
        var dependencies: [String: [String]] = [:]
        for fields in taskFields {
            let id = fields["id"] ?? ""
            for dependent in Self.jsonStrings(fields["dependents"] ?? "") { dependencies[dependent, default: []].append(id) }
        }
        for fields in taskFields {
            let id = fields["id"] ?? ""
            let state = fields["state"] ?? "unknown"
            var taskAttempts = attempts[id] ?? []
            let started = Int(fields["startedAt"] ?? "")
            let finished = Int(fields["finishedAt"] ?? "")
            if taskAttempts.isEmpty, let started {
                let final = RunRecords.attemptEndedStates.contains(state)
                taskAttempts = [Attempt(readyAt: Int(fields["queuedAt"] ?? ""), startedAt: started,
                                        endedAt: final ? max(finished ?? started, started) : nil, outcome: final ? state : nil)]
            }
            // A run that ended with an attempt left open (its finish event trimmed away) ends it then.
            if let last = taskAttempts.last, last.endedAt == nil, RunRecords.attemptEndedStates.contains(state) {
                taskAttempts[taskAttempts.count - 1].endedAt = max(finished ?? last.startedAt, last.startedAt)
                taskAttempts[taskAttempts.count - 1].outcome = state
            }
            tasks.append(Task(
                id: id, step: fields["step"] ?? id, state: state, dependencies: dependencies[id] ?? [],
                limits: (fields["limits"] ?? "").split(separator: ",").map(String.init), attempts: taskAttempts,
                queuedAt: Int(fields["queuedAt"] ?? ""), finishedAt: RunRecords.finalStates.contains(state) ? finished : nil,
                gates: (fields["gates"] ?? "").split(separator: ",").map(String.init)))
        }
        let created = Int(run["createdAt"] ?? "") ?? tasks.compactMap { $0.attempts.first?.startedAt }.min() ?? now
        self.init(runID: runID, workflow: run["name"] ?? "", state: run["state"] ?? "unknown", createdAt: created,
                  finishedAt: Int(run["finishedAt"] ?? ""), now: now, tasks: tasks, limitSizes: limitSizes,
                  estimates: estimates, throttles: Int(run["throttles"] ?? "") ?? 0, breakers: breakers)
    }

    private static func close(_ attempts: inout [Attempt]?, at ts: Int, outcome: String) {
        guard let last = attempts?.last, last.endedAt == nil else { return }
        attempts![attempts!.count - 1].endedAt = max(ts, last.startedAt)
        attempts![attempts!.count - 1].outcome = outcome
    }

    /// The strings of a JSON array of strings (a task's `dependents`); empty for anything else.
    static func jsonStrings(_ text: String) -> [String] {
        guard case .array(let items)? = try? JSONReader.parse(text) else { return [] }
        return items.compactMap { if case .string(let value) = $0 { value } else { nil } }
    }
}
