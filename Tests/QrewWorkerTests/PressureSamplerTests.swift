import Foundation
import Testing
@testable import QrewWorker

/// Which files the sampler reads and what it makes of them, on a fake cgroup v2 directory.
struct PressureSamplerTests {
    private func fakeCgroup(_ files: [String: String]) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-cgroup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files { try text.write(toFile: "\(directory)/\(name)", atomically: true, encoding: .utf8) }
        return directory
    }

    private func psi(_ total: UInt64) -> String {
        "some avg10=0.00 avg60=0.00 avg300=0.00 total=\(total)\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
    }

    @Test func aCgroupWithPSIAndAMemoryLimitIsReadFirst() async throws {
        let directory = try fakeCgroup([
            "cpu.pressure": psi(1_000), "memory.pressure": psi(0), "memory.current": "750\n", "memory.max": "1000\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var sampler = PressureSampler(cgroupDirectory: directory)
        #expect(sampler.cpu == .psi(directory + "/cpu.pressure"))
        #expect(sampler.memory == .cgroup(current: directory + "/memory.current", limit: directory + "/memory.max"))
        #expect(sampler.memoryStall == directory + "/memory.pressure")

        try await Task.sleep(for: .milliseconds(100))
        // More stall time than wall time passed: capped at 1.
        try psi(10_000_000).write(toFile: directory + "/cpu.pressure", atomically: true, encoding: .utf8)
        let busy = sampler.sample()
        #expect(busy.cpu == 1)
        #expect(busy.memory == 0.75)
        #expect(busy.memoryStall == 0)
        // No new stall since: no pressure.
        try await Task.sleep(for: .milliseconds(100))
        #expect(sampler.sample().cpu == 0)
    }

    @Test func noLimitMeansMemInfoAndAnUnreadableCPUFileFallsBack() throws {
        let directory = try fakeCgroup(["cpu.pressure": "garbage\n", "memory.max": "max\n", "memory.current": "5\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var sampler = PressureSampler(cgroupDirectory: directory)
        #expect(sampler.memory == .memInfo)
        #expect(sampler.cpu != .psi(directory + "/cpu.pressure"))
        let sample = sampler.sample()
        #expect((0...1).contains(sample.cpu))
        #expect(sample.memory > 0 && sample.memory < 1, "this machine's memory in use, from /proc/meminfo")
    }
}
