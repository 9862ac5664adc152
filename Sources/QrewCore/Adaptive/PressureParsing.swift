/// Parsers for the Linux files a worker reads to measure CPU and memory pressure. Pure: the
/// worker reads the files and hands their text here, so every format is unit-tested without
/// the kernel.
public enum PressureParsing {
    /// The cumulative `total=` stall time (µs) of the `some` line of a PSI file
    /// (`/proc/pressure/cpu`, a cgroup v2 `cpu.pressure` or `memory.pressure`):
    /// `some avg10=1.23 avg60=0.50 avg300=0.10 total=123456`. nil when there is no such line.
    public static func psiSomeTotal(_ text: String) -> UInt64? {
        for line in text.split(separator: "\n") where line.hasPrefix("some ") {
            for field in line.split(separator: " ") where field.hasPrefix("total=") {
                return UInt64(field.dropFirst("total=".count))
            }
        }
        return nil
    }

    /// The share of wall time (0...1) some task stalled between two readings of a PSI
    /// `total=` counter taken `elapsedMicroseconds` apart. A counter that went backwards (a
    /// recreated cgroup) or no elapsed time reads as no stall.
    public static func stallShare(from earlier: UInt64, to later: UInt64, elapsedMicroseconds: UInt64) -> Double {
        guard later >= earlier, elapsedMicroseconds > 0 else { return 0 }
        return min(1, Double(later - earlier) / Double(elapsedMicroseconds))
    }

    /// `MemTotal` and `MemAvailable` of `/proc/meminfo`, in bytes (the file says kB).
    public static func memInfo(_ text: String) -> (total: UInt64, available: UInt64)? {
        var total: UInt64?
        var available: UInt64?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count >= 2, let kilobytes = UInt64(parts[1]) else { continue }
            switch parts[0] {
            case "MemTotal:": total = kilobytes * 1024
            case "MemAvailable:": available = kilobytes * 1024
            default: continue
            }
        }
        guard let total, let available, total > 0 else { return nil }
        return (total, available)
    }

    /// The one-minute load average, the first field of `/proc/loadavg`.
    public static func loadAverage(_ text: String) -> Double? {
        text.split(separator: " ").first.flatMap { Double($0) }.flatMap { $0.isFinite && $0 >= 0 ? $0 : nil }
    }

    /// A cgroup v2 memory value (`memory.current`, `memory.max`) in bytes; nil for `max`
    /// (no limit) or anything unreadable.
    public static func cgroupBytes(_ text: String) -> UInt64? {
        UInt64(text.trimmingCharacters(inSet: " \n"))
    }

    /// The cgroup v2 path of a process from its `/proc/<pid>/cgroup` (the `0::/path` line).
    public static func unifiedCgroupPath(_ text: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("0::") {
            return String(line.dropFirst(3))
        }
        return nil
    }
}

extension String {
    fileprivate func trimmingCharacters(inSet characters: String) -> Substring {
        var slice = Substring(self)
        while let first = slice.first, characters.contains(first) { slice.removeFirst() }
        while let last = slice.last, characters.contains(last) { slice.removeLast() }
        return slice
    }
}
