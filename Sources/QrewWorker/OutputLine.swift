/// One line a task printed, tagged with the stream it came from (without its newline).
public struct OutputLine: Sendable, Equatable, CustomStringConvertible {
    public enum Stream: String, Sendable, Equatable {
        case stdout, stderr
    }

    public var stream: Stream
    public var text: String
    /// True for a piece of a line too long to deliver whole (64 KiB): the next line of the same
    /// stream continues it.
    public var continues: Bool

    public init(_ stream: Stream, _ text: String, continues: Bool = false) {
        self.stream = stream
        self.text = text
        self.continues = continues
    }

    public var description: String { "\(stream): \(text)" }
}

/// Receives a task's output while it runs, in small batches (at most 64 lines, at most about
/// 50 ms after the first line of the batch was printed), in order per stream.
///
/// Calls are serial: the next batch is not delivered before the previous call returns, so a
/// slow sink slows delivery, never the task. If the sink falls more than 10 000 lines behind,
/// further lines are dropped from the live stream (not from the captured output) and a
/// notice line says how many.
public typealias OutputSink = @Sendable ([OutputLine]) async -> Void
