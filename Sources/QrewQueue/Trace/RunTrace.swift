import QrewCore
import Synchronization
import W3CTraceContext

/// A run's W3C trace context: one trace per run, one span per task attempt, so the telemetry a
/// task emits (it gets `TRACEPARENT` in its environment) joins the run's trace.
///
/// The trace id is made when the coordinator takes the submission in, or taken from the
/// submission's `traceparent` (`qctl submit --traceparent`), and stored on the run hash
/// (`traceId`, `traceFlags`); `claim` hands it to the worker with each task (from the run hash
/// it reads anyway), and the worker makes each attempt's span id. Parsing and ids come from
/// swift-w3c-trace-context.
public struct RunTrace: Sendable, Hashable {
    /// 32 lowercase hex digits, not all zero.
    public let traceID: String
    /// 2 lowercase hex digits (`01`: sampled).
    public let flags: String

    /// A new trace, sampled.
    public static func new() -> RunTrace {
        RunTrace(traceID: TraceID.random().description, flags: TraceFlags.sampled.description)
    }

    private init(traceID: String, flags: String) {
        self.traceID = traceID
        self.flags = flags
    }

    /// The trace of a `traceparent` value (W3C Trace Context level 1, version 00): its trace id
    /// and flags; the parent span id is not kept (the run has no span of its own).
    public init(parent text: String) throws(RunTraceError) {
        let context: TraceContext
        do {
            context = try TraceContext(traceParentHeaderValue: text)
        } catch {
            throw RunTraceError(text: text)
        }
        self.init(traceID: context.traceID.description, flags: context.flags.description)
    }

    /// The trace of a run hash (`traceId`, `traceFlags`); nil for a run stored without one.
    public init?(runFields fields: [String: String]) {
        guard let traceID = fields["traceId"], !traceID.isEmpty else { return nil }
        self.init(traceID: traceID, flags: fields["traceFlags"] ?? TraceFlags.sampled.description)
    }

    /// The trace as `claim` returns it with a task: `<trace id>-<flags>`; nil for "" (a run
    /// without a trace) or anything else malformed.
    public init?(claimed text: String) {
        let parts = text.split(separator: "-")
        guard parts.count == 2, parts[0].utf8.count == 32, parts[1].utf8.count == 2,
              parts.allSatisfy({ $0.utf8.allSatisfy(Self.isLowercaseHex) })
        else { return nil }
        self.init(traceID: String(parts[0]), flags: String(parts[1]))
    }

    /// The run-hash fields that store it.
    public var runFields: [String: String] { ["traceId": traceID, "traceFlags": flags] }

    /// The `traceparent` of one attempt's span.
    public func traceparent(spanID: String) -> String { "00-\(traceID)-\(spanID)-\(flags)" }

    /// A new random span id for an attempt (16 lowercase hex digits, not all zero).
    public static func newSpanID() -> String {
        spanIDs.withLock { generator in SpanID.random(using: &generator) }.description
    }

    /// Where span ids come from: a generator seeded once from the system's. A span id has to be
    /// unique, not secret, and `SystemRandomNumberGenerator` costs a `getrandom` system call per
    /// id: a tenth of a worker's CPU on `qrew-bench` figure (a).
    private static let spanIDs = Mutex(SplitMix64(seed: UInt64.random(in: .min ... .max)))

    private static func isLowercaseHex(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte)
    }
}

/// A `traceparent` that is not a W3C Trace Context value.
public struct RunTraceError: Error, Sendable, CustomStringConvertible {
    public let text: String

    public var description: String {
        "'\(text)' is not a W3C traceparent: expected 00-<32 hex digits trace id>-<16 hex digits parent id>-<2 hex digits flags>, "
            + "lowercase, ids not all zeros, e.g. 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    }
}
