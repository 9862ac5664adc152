#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Signals and watches a whole process group: the task's process and everything it started
/// that did not leave the group.
enum ProcessGroup {
    /// True while a process of the group is alive (not a zombie).
    ///
    /// `kill(-pgid, 0)` also counts zombies, and an orphaned grandchild stays a zombie until
    /// PID 1 reaps it; some container inits (this sandbox's among them) do that lazily, up
    /// to seconds later. A zombie holds no resources and cannot be signalled, so on Linux the
    /// group's members are read from /proc and zombies are ignored.
    static func hasLiveMembers(_ pgid: pid_t) -> Bool {
        guard kill(-pgid, 0) == 0 || errno == EPERM else { return false }
        #if os(Linux)
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return true }
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm)": state ppid pgrp ...
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 2, let group = pid_t(fields[2]) else { continue }
            if group == pgid, fields[0] != "Z", fields[0] != "X" { return true }
        }
        return false
        #else
        return true
        #endif
    }

    /// SIGTERM to the group, up to `grace` for it to go, then SIGKILL and up to `killWait`
    /// more. Returns whether SIGKILL had to be sent. Polls every 10 ms without blocking a
    /// thread; run it without cancellation (see ``withoutCancellation(_:)``).
    @discardableResult
    static func terminate(_ pgid: pid_t, grace: Duration, killWait: Duration = .seconds(2)) async -> Bool {
        guard hasLiveMembers(pgid) else { return false }
        kill(-pgid, SIGTERM)
        // A stopped process cannot act on SIGTERM until it is continued.
        kill(-pgid, SIGCONT)
        if await waitUntilGone(pgid, within: grace) { return false }
        kill(-pgid, SIGKILL)
        _ = await waitUntilGone(pgid, within: killWait)
        return true
    }

    /// Polls until no live member is left or `limit` passes; returns whether the group is gone.
    static func waitUntilGone(_ pgid: pid_t, within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while hasLiveMembers(pgid) {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }
}
