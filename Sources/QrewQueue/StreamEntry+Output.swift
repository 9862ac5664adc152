extension StreamEntry {
    /// Output lines of one stream (stdout or stderr) that a progress event carries.
    public struct OutputLines: Sendable, Hashable {
        public let stream: String
        public let lines: [String]
    }

    /// The task output this event carries: an `output` event's lines, or the last lines a
    /// `task_finished` / `task_retrying` event brings along (stdout, then stderr) because the
    /// worker had not streamed them yet. Empty for other events.
    public var outputLines: [OutputLines] {
        func split(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        }
        switch fields["type"] {
        case "output":
            return [OutputLines(stream: fields["stream"] ?? "stdout", lines: split(fields["lines"] ?? ""))]
        case "task_finished", "task_retrying":
            return ["stdout", "stderr"].compactMap { stream in
                fields[stream].map { OutputLines(stream: stream, lines: split($0)) }
            }
        default:
            return []
        }
    }
}
