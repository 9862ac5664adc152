/// How a task attempt ended, as a worker reports it to `complete`.
public enum TaskOutcome: String, Sendable, Hashable, Codable {
    case succeeded
    case failed
    case timedOut = "timed_out"
}
