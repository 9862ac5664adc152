import QrewCore
import QrewRedis

/// A decomposed run as `submit_run` stores it: run fields, concurrency limits and tasks.
public struct RunRecord: Sendable, Hashable {
    public let runID: String
    /// Extra run fields (name, failFast, workflow file, ...), stored in the run hash.
    public let fields: [String: String]
    /// Limit name (`run`, `pool:<name>`, `step:<id>`) to capacity.
    public let limits: [String: Int]
    public let tasks: [TaskRecord]

    public init(runID: String, fields: [String: String], limits: [String: Int], tasks: [TaskRecord]) {
        self.runID = runID
        self.fields = fields
        self.limits = limits
        self.tasks = tasks
    }
}

/// One task of a `RunRecord`, as `submit_run.lua` reads it: `argumentCount` plain arguments.
public struct TaskRecord: Sendable, Hashable {
    public let id: String
    public let step: String
    public let queue: String
    public let priority: Int
    /// Number of dependencies; 0 makes the task ready at once.
    public let deps: Int
    /// Ids of the tasks that wait on this one.
    public let dependents: [String]
    /// Limits this task takes a slot of while it runs.
    public let limits: [String]
    /// Ids of the tasks whose outputs the spec reads.
    public let refs: [String]
    /// What to run, as JSON (the worker decodes it).
    public let spec: String
    /// Attempts allowed in total (1 = no retry).
    public let maxAttempts: Int
    public let continueOnError: Bool
    /// How a lost attempt (lease expired) is retried, for `reap_leases`: `backoff,initialMs,capMs,jitter`
    /// (`exponential,1000,60000,1`), or "" when the policy does not retry `lost`.
    public let lostRetry: String
    /// Further task-hash fields that only tasks using a feature carry (name → value), written as
    /// they are at store time; empty for most tasks, so the common path decodes nothing.
    public let fields: [String: String]
    /// The task's signature (task field `sig`, `RunRecord.signed(by:)`); "" when tasks are not signed.
    public let signature: String

    public init(
        id: String, step: String, queue: String, priority: Int, deps: Int, dependents: [String],
        limits: [String], refs: [String], spec: String, maxAttempts: Int, continueOnError: Bool, lostRetry: String = "",
        fields: [String: String] = [:], signature: String = ""
    ) {
        self.id = id
        self.step = step
        self.queue = queue
        self.priority = priority
        self.deps = deps
        self.dependents = dependents
        self.limits = limits
        self.refs = refs
        self.spec = spec
        self.maxAttempts = maxAttempts
        self.continueOnError = continueOnError
        self.lostRetry = lostRetry
        self.fields = fields
        self.signature = signature
    }
}

extension RunRecord {
    /// Tasks per storing call: a slice stores in a few milliseconds, so claims and results of
    /// other runs wait at most that long behind a big submission.
    public static let defaultSlice = 1000

    /// Most tasks of a run stored in slices that its `submit_run` stores: enough for the first
    /// claims of two 128-slot workers, a few milliseconds sooner than a whole slice.
    public static let firstSlice = 256

    /// The order a run stored in slices is stored in (`RunStorage.storageOrder`).
    public var storageOrder: [TaskRecord] {
        RunStorage.storageOrder(deps: tasks.map(\.deps), priorities: tasks.map(\.priority)).map { tasks[$0] }
    }
}

extension TaskRecord {
    /// The `lostRetry` field of a task with this retry policy: "" unless it retries `lost`.
    public static func lostRetry(for policy: RetryPolicy) -> String {
        guard policy.retryOn.contains(.lost), policy.maxAttempts > 1 else { return "" }
        let initial = NumericBounds.clamp(policy.initial), cap = NumericBounds.clamp(policy.cap)
        return "\(policy.backoff.rawValue),\(initial.milliseconds),\(cap.milliseconds),\(policy.jitter ? 1 : 0)"
    }

    /// Arguments per task in a `submit_run` or `store_tasks` call.
    static let argumentCount = 14

    /// Appends the task's `submit_run` arguments, in the script's order; `storedSpec` is what
    /// goes in the spec's place (its spec, or a difference from a template, `SpecTemplates`).
    func appendArguments(to args: inout [RedisArgument], storedSpec: String) {
        args.append(.string(id))
        args.append(.string(step))
        args.append(.string(queue))
        args.append(.int(priority))
        args.append(.int(deps))
        args.append(.string(dependents.jsonArrayText))
        args.append(.string(limits.joined(separator: ",")))
        args.append(.string(refs.jsonArrayText))
        args.append(.string(storedSpec))
        args.append(.int(maxAttempts))
        args.append(.string(continueOnError ? "1" : "0"))
        args.append(.string(lostRetry))
        args.append(.string(fields.isEmpty ? "" : fields.jsonObjectText))
        args.append(.string(signature))
    }
}
