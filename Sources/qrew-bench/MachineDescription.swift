import Foundation

/// One line describing the machine a benchmark ran on (CPU model, cores, memory, OS).
enum MachineDescription {
    static func current() -> String {
        let info = ProcessInfo.processInfo
        let memory = Double(info.physicalMemory) / 1_073_741_824
        return "\(cpuModel() ?? "unknown CPU"), \(info.activeProcessorCount) cores, "
            + String(format: "%.0f GiB", memory) + ", \(info.operatingSystemVersionString)"
    }

    private static func cpuModel() -> String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        let line = text.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line?.split(separator: ":", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces)
    }
}
