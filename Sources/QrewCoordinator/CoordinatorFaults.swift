import Foundation

/// Fault-injection points of the coordinator, for tests only and off unless set: they prove
/// that what a crash would do is survived (docs/operations.md, "Bad input").
///
/// `QREW_FAULT_CRASH_ON_SUBMISSION=TEXT` makes the coordinator trap, like an intake bug would,
/// while processing a submission whose workflow text contains TEXT.
public struct CoordinatorFaults: Sendable {
    /// Text that makes the intake trap when a submitted workflow contains it; nil: never.
    public var crashOnSubmission: String?

    /// No fault (the default).
    public init(crashOnSubmission: String? = nil) {
        self.crashOnSubmission = crashOnSubmission
    }

    /// The faults set in the process environment.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        CoordinatorFaults(crashOnSubmission: environment["QREW_FAULT_CRASH_ON_SUBMISSION"].flatMap { $0.isEmpty ? nil : $0 })
    }

    /// Traps when `text` holds the injected marker.
    func crashIfInjected(intoSubmission text: String) {
        if let marker = crashOnSubmission, text.contains(marker) {
            fatalError("fault injected (QREW_FAULT_CRASH_ON_SUBMISSION): crashing on a submission on purpose")
        }
    }
}
