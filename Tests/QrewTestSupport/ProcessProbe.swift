import Foundation

/// What tests ask about processes they did not start themselves (a task's grandchildren, the
/// children of a killed `qctl dev`).
public enum ProcessProbe {
    /// Whether `pid` is a live process: it exists and is not a zombie. A zombie holds nothing
    /// and runs nothing; whoever inherited it reaps it when it gets to it.
    public static func isAlive(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }

    /// Polls until none of `pids` is alive or `limit` passes; the ones still alive.
    public static func survivors(of pids: [pid_t], within limit: Duration) async -> [pid_t] {
        let deadline = ContinuousClock.now + limit
        while true {
            let alive = pids.filter(isAlive)
            if alive.isEmpty || ContinuousClock.now >= deadline { return alive }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// The pids written to `path` (whitespace-separated), once at least `count` are there.
    public static func pids(in path: String, count: Int, within limit: Duration = .seconds(10)) async -> [pid_t] {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            let pids = text.split(whereSeparator: \.isWhitespace).compactMap { pid_t($0) }
            if pids.count >= count { return pids }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return []
    }
}
