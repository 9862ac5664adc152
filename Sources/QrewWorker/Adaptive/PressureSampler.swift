import Foundation
import QrewCore

/// Reads CPU and memory pressure from the best source the machine has, chosen once at start:
/// the cgroup v2 files of the worker's cgroup (`cpu.pressure`, `memory.pressure`,
/// `memory.current`/`memory.max` where a limit is set), else the machine's PSI
/// (`/proc/pressure/*`), else the load average and `/proc/meminfo`. The formats are parsed by
/// ``PressureParsing`` (pure); this type only reads files. The files are procfs/cgroupfs, read in
/// microseconds, so a sample does not hold up the cooperative thread pool.
struct PressureSampler {
    /// Where the CPU signal comes from.
    enum CPUSource: Equatable {
        /// A PSI file; the share of time stalled is the `total=` delta between samples.
        case psi(String)
        /// The one-minute load average per CPU.
        case loadAverage(processors: Int)
    }

    /// Where memory use comes from.
    enum MemorySource: Equatable {
        /// A cgroup v2 with a limit: `memory.current` / `memory.max`.
        case cgroup(current: String, limit: String)
        /// `1 − MemAvailable / MemTotal`.
        case memInfo
    }

    let cpu: CPUSource
    let memory: MemorySource
    /// A PSI `memory.pressure` file, when there is one.
    let memoryStall: String?
    private var lastCPU: (total: UInt64, at: ContinuousClock.Instant)?
    private var lastMemoryStall: (total: UInt64, at: ContinuousClock.Instant)?

    /// Picks the sources: `cgroupDirectory` if given, else the worker's own cgroup v2 directory.
    init(cgroupDirectory: String?) {
        let directory = cgroupDirectory ?? Self.ownCgroupDirectory()
        func readable(_ path: String) -> String? {
            Self.read(path).flatMap(PressureParsing.psiSomeTotal) != nil ? path : nil
        }
        let cgroupCPU = directory.flatMap { readable($0 + "/cpu.pressure") }
        cpu = cgroupCPU.map(CPUSource.psi) ?? readable("/proc/pressure/cpu").map(CPUSource.psi)
            ?? .loadAverage(processors: ProcessInfo.processInfo.activeProcessorCount)
        memoryStall = directory.flatMap { readable($0 + "/memory.pressure") } ?? readable("/proc/pressure/memory")
        if let directory, Self.read(directory + "/memory.max").flatMap(PressureParsing.cgroupBytes) != nil,
           Self.read(directory + "/memory.current").flatMap(PressureParsing.cgroupBytes) != nil {
            memory = .cgroup(current: directory + "/memory.current", limit: directory + "/memory.max")
        } else {
            memory = .memInfo
        }
        // Prime the counters so the first sample covers one interval.
        _ = sample()
    }

    /// `cpu: <source>, memory: <source>` for the worker's start-up log.
    var description: String {
        let cpuText = switch cpu {
        case .psi(let path): "\(path) (PSI)"
        case .loadAverage: "/proc/loadavg (load per CPU)"
        }
        let memoryText = switch memory {
        case .cgroup(let current, let limit): "\(current) / \(limit)"
        case .memInfo: "/proc/meminfo (MemAvailable)"
        }
        return "cpu: \(cpuText), memory: \(memoryText)" + (memoryStall.map { ", memory stall: \($0) (PSI)" } ?? "")
    }

    /// One sample; a file that cannot be read this time reads as no pressure.
    mutating func sample() -> PressureSample {
        let now = ContinuousClock.now
        var result = PressureSample(cpu: 0, memory: 0)
        switch cpu {
        case .psi(let path):
            result.cpu = Self.stall(path, since: &lastCPU, now: now)
        case .loadAverage(let processors):
            let load = Self.read("/proc/loadavg").flatMap(PressureParsing.loadAverage) ?? 0
            result.cpu = min(1, load / Double(max(1, processors)))
        }
        if let memoryStall {
            result.memoryStall = Self.stall(memoryStall, since: &lastMemoryStall, now: now)
        }
        switch memory {
        case .cgroup(let currentPath, let limitPath):
            if let current = Self.read(currentPath).flatMap(PressureParsing.cgroupBytes),
               let limit = Self.read(limitPath).flatMap(PressureParsing.cgroupBytes), limit > 0 {
                result.memory = min(1, Double(current) / Double(limit))
            }
        case .memInfo:
            if let info = Self.read("/proc/meminfo").flatMap(PressureParsing.memInfo) {
                result.memory = 1 - Double(min(info.available, info.total)) / Double(info.total)
            }
        }
        return result
    }

    private static func stall(
        _ path: String, since last: inout (total: UInt64, at: ContinuousClock.Instant)?, now: ContinuousClock.Instant
    ) -> Double {
        guard let total = read(path).flatMap(PressureParsing.psiSomeTotal) else { return 0 }
        defer { last = (total, now) }
        guard let last else { return 0 }
        let elapsed = now - last.at
        let micros = elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000
        return PressureParsing.stallShare(from: last.total, to: total, elapsedMicroseconds: UInt64(max(0, micros)))
    }

    /// The worker's cgroup v2 directory, where cgroup v2 is mounted at `/sys/fs/cgroup`
    /// (unified) or `/sys/fs/cgroup/unified` (hybrid).
    static func ownCgroupDirectory() -> String? {
        guard let path = read("/proc/self/cgroup").flatMap(PressureParsing.unifiedCgroupPath) else { return nil }
        for mount in ["/sys/fs/cgroup", "/sys/fs/cgroup/unified"]
        where FileManager.default.fileExists(atPath: mount + "/cgroup.controllers") {
            let directory = path == "/" ? mount : mount + path
            if FileManager.default.fileExists(atPath: directory) { return directory }
        }
        return nil
    }

    private static func read(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 64 * 1024) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
