import Foundation

/// Fault-injection points of the worker, for tests only and off unless set: they prove that a
/// task which crashes workers is quarantined instead of crashing every worker in turn
/// (docs/worker.md, "Crash reports and quarantine").
///
/// `QREW_FAULT_CRASH_ON_TASK=TEXT` makes the worker trap (`fatalError`), as a bug in decoding or
/// running a task would, when the spec of a task it claimed contains TEXT. The environment is
/// read once, at startup; unset, the check is one nil test per task.
public struct WorkerFaults: Sendable {
    /// Text that makes the worker trap when a claimed task's spec contains it; nil: never.
    public var crashOnTask: String?

    /// No fault (the default).
    public init(crashOnTask: String? = nil) {
        self.crashOnTask = crashOnTask
    }

    /// The faults set in the process environment.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        WorkerFaults(crashOnTask: environment["QREW_FAULT_CRASH_ON_TASK"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Traps when `spec` holds the injected marker.
    func crashIfInjected(intoTaskSpec spec: String) {
        if let marker = crashOnTask, spec.contains(marker) {
            fatalError("fault injected (QREW_FAULT_CRASH_ON_TASK): crashing on a task on purpose")
        }
    }
}
