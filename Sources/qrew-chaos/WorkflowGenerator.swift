import Foundation
import QrewCore

/// Generates the seeded DAG workflows the suite submits: a handful of steps with random earlier
/// dependencies, matrix fan-outs, a join step over every sink, mostly shell steps (some sleeping
/// so kills land mid-task), some echo steps, and in some runs a run concurrency limit and steps
/// holding a slot of one of a few small pools shared by every run (`pools`: a leaked slot shows
/// up as runs that never finish, an over-admission as a pool violation), and in some runs steps
/// limited per key (`concurrency`, a few keys shared by every run: checked like pools) or by the
/// one rate limit every run shares (`rateLimit`: checked by `RateUsage`), and in every other run
/// a dynamic fan-out: a `list` step printing a JSON array, a step fanning out over it
/// (`${{ fromJSON(steps.list.output) }}`) and a `gather` step echoing `${{ steps.fan.outputs }}`.
/// Every step is expected to succeed; retries absorb the attempts that faults cost.
struct WorkflowGenerator {
    /// The pools every run with limits declares, with the same sizes, so the sizes never change
    /// and the verifier can check them across runs.
    static let pools = ["db": 1, "cpu": 2]
    /// The keyed concurrency keys generated steps use, with the limit every run gives them.
    static let concurrencyKeys = ["tenant-a": 1, "tenant-b": 2]
    /// The rate limit every rate-limited step shares: at most `limit` starts in any `perMilliseconds`.
    static let rateLimit = (key: "chaos-api", limit: 20, perMilliseconds: 1000)

    /// Every slot-like limit the verifier checks with `PoolUsage`: the pools and `key:<key>`.
    static var slotSizes: [String: Int] {
        var sizes = pools
        for (key, limit) in concurrencyKeys { sizes["key:\(key)"] = limit }
        return sizes
    }

    private var random: SplitMix64
    let sideEffectDirectory: String
    /// Runs made so far: every other one (the first included) gets a dynamic fan-out.
    private var made = 0

    init(seed: UInt64, sideEffectDirectory: String) {
        random = SplitMix64(seed: seed ^ 0x5EED_C4A0_5000_0001)
        self.sideEffectDirectory = sideEffectDirectory
    }

    /// The shell step: one `start` line, an optional sleep, one `end` line, then the output
    /// `<run> <task> <attempt>` so the recorded result names the attempt that produced it.
    /// Everything is inside the one script (no positional arguments): the path is a temp path
    /// without quotes or spaces, quoted for the shell.
    static func script(path: String, sleepMilliseconds: Int) -> String {
        script(path: path, sleepMilliseconds: sleepMilliseconds, output: #"echo "$QREW_RUN_ID $QREW_TASK_ID $QREW_ATTEMPT""#)
    }

    /// The shell step's side effects around a sleep, then the shell command `output`.
    static func script(path: String, sleepMilliseconds: Int, output: String) -> String {
        let line = #"printf '%s %s %s PHASE %s\n' "$QREW_RUN_ID" "$QREW_TASK_ID" "$QREW_ATTEMPT" "$(date +%s%3N)" >> 'PATH'"#
            .replacingOccurrences(of: "PATH", with: path)
        let sleep = sleepMilliseconds > 0 ? "sleep \(sleepMilliseconds / 1000).\(String(format: "%03d", sleepMilliseconds % 1000))\n" : ""
        return line.replacingOccurrences(of: "PHASE", with: "start") + "\n" + sleep
            + line.replacingOccurrences(of: "PHASE", with: "end") + "\n"
            + output
    }

    /// The JSON text of a list of items (simple tokens), as the `list` step prints it.
    static func json(_ items: [String]) -> String {
        "[" + items.map { "\"\($0)\"" }.joined(separator: ",") + "]"
    }

    /// A run of `steps` random steps (plus the fan-out branch in every other run, and the join).
    mutating func makeRun(id runID: String, steps stepRange: ClosedRange<Int> = 4...10) -> PlannedRun {
        let stepCount = Int.random(in: stepRange, using: &random)
        let usesLimits = Int.random(in: 0..<3, using: &random) == 0
        let usesGates = Int.random(in: 0..<3, using: &random) == 0
        var steps: [PlannedRun.Step] = []
        for index in 0..<stepCount {
            var dependsOn: [String] = []
            if index > 0, Double.random(in: 0..<1, using: &random) < 0.85 {
                let wanted = Int.random(in: 1...min(3, index), using: &random)
                // Favour recent steps so the graphs are deep as well as wide.
                while dependsOn.count < wanted {
                    let back = Int.random(in: 1...min(index, 4), using: &random)
                    let candidate = "s\(index - back)"
                    if !dependsOn.contains(candidate) { dependsOn.append(candidate) }
                    if dependsOn.count >= min(index, 4) { break }
                }
            }
            let pool = usesLimits && Double.random(in: 0..<1, using: &random) < 0.3
                ? (Bool.random(using: &random) ? "db" : "cpu") : nil
            // A pooled fan-out stays small: every run queues behind the same few slots.
            let matrix = Double.random(in: 0..<1, using: &random) < 0.35 ? Int.random(in: 4...(pool == nil ? 24 : 6), using: &random) : 0
            let action: PlannedRun.Action
            if Double.random(in: 0..<1, using: &random) < 0.8 {
                let sleeps = Double.random(in: 0..<1, using: &random) < 0.3
                action = .shell(sleepMilliseconds: sleeps ? 100 * Int.random(in: 2...12, using: &random) : 0)
            } else {
                action = .echo
            }
            var step = PlannedRun.Step(id: "s\(index)", dependsOn: dependsOn, matrixSize: matrix, action: action, pool: pool)
            if usesGates, pool == nil {
                if Double.random(in: 0..<1, using: &random) < 0.3 {
                    step.concurrencyKey = Bool.random(using: &random) ? "tenant-a" : "tenant-b"
                }
                step.rateLimited = Double.random(in: 0..<1, using: &random) < 0.3
            }
            steps.append(step)
        }
        made += 1
        if made % 2 == 1 {
            // A dynamic fan-out branch: list -> fan (one task per item) -> gather.
            let count = Int.random(in: 0..<8, using: &random) == 0 ? 0 : Int.random(in: 1...8, using: &random)
            let items = (0..<count).map { "e\($0)" }
            let after = Bool.random(using: &random) ? [steps[Int.random(in: 0..<steps.count, using: &random)].id] : []
            let sleep = Bool.random(using: &random) ? 100 * Int.random(in: 2...6, using: &random) : 0
            steps.append(PlannedRun.Step(id: "list", dependsOn: after, matrixSize: 0, action: .list(items: items), pool: nil))
            steps.append(PlannedRun.Step(
                id: "fan", dependsOn: ["list"], matrixSize: 0,
                action: .fanOut(source: "list", items: items, sleepMilliseconds: sleep), pool: nil))
            steps.append(PlannedRun.Step(id: "gather", dependsOn: ["fan"], matrixSize: 0, action: .gather(fanOut: "fan"), pool: nil))
        }
        let hasDependents = Set(steps.flatMap(\.dependsOn))
        let sinks = steps.map(\.id).filter { !hasDependents.contains($0) }
        steps.append(PlannedRun.Step(
            id: "join", dependsOn: sinks, matrixSize: 0, action: .shell(sleepMilliseconds: 0), pool: nil))
        let path = sideEffectDirectory + "/\(runID).log"
        return PlannedRun(
            runID: runID, steps: steps, workflow: Self.workflowJSON(name: runID, steps: steps, limits: usesLimits, path: path),
            sideEffectPath: path)
    }

    private static func workflowJSON(name: String, steps: [PlannedRun.Step], limits: Bool, path: String) -> String {
        var document: [String: Any] = [
            "name": "chaos-\(name)",
            "defaults": [
                "timeout": "2m",
                // Every lost lease costs an attempt; leave plenty so no task runs out.
                "retries": ["max": 30, "backoff": "fixed", "initial": "200ms", "jitter": false],
            ],
        ]
        if limits { document["parallel"] = ["maxConcurrency": 6, "resources": pools] }
        document["steps"] = steps.map { step -> [String: Any] in
            var entry: [String: Any] = ["id": step.id]
            // A fan-out depends on its source through the matrix; `dependsOn` must not repeat it.
            if !step.dependsOn.isEmpty, !step.isFanOut { entry["dependsOn"] = step.dependsOn }
            if step.matrixSize > 0 { entry["matrix"] = ["i": (0..<step.matrixSize).map(String.init)] }
            if let pool = step.pool { entry["resource"] = pool }
            if let key = step.concurrencyKey {
                entry["concurrency"] = ["key": key, "limit": concurrencyKeys[key] ?? 1] as [String: Any]
            }
            if step.rateLimited {
                entry["rateLimit"] = ["key": rateLimit.key, "limit": rateLimit.limit, "per": "\(rateLimit.perMilliseconds)ms"] as [String: Any]
            }
            switch step.action {
            case .shell(let sleep):
                entry["type"] = "shell"
                entry["shell"] = true
                entry["run"] = [script(path: path, sleepMilliseconds: sleep)]
            case .echo:
                entry["type"] = "echo"
                entry["with"] = ["message": "\(step.id) done"]
            case .list(let items):
                entry["type"] = "shell"
                entry["shell"] = true
                entry["run"] = [script(path: path, sleepMilliseconds: 0, output: "echo '\(json(items))'")]
            case .fanOut(let source, _, let sleep):
                entry["type"] = "shell"
                entry["shell"] = true
                entry["matrix"] = ["item": "${{ fromJSON(steps.\(source).output) }}"]
                entry["run"] = [script(
                    path: path, sleepMilliseconds: sleep,
                    output: #"echo "$QREW_RUN_ID $QREW_TASK_ID $QREW_ATTEMPT ${{ matrix.item }}""#)]
            case .gather(let fanOut):
                entry["type"] = "echo"
                entry["with"] = ["message": "${{ steps.\(fanOut).outputs }}"]
            }
            return entry
        }
        let data = (try? JSONSerialization.data(withJSONObject: document, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
