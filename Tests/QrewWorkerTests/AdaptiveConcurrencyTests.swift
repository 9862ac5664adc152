#if canImport(Glibc)
import Logging
import Glibc
#endif
import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing
@testable import QrewWorker

/// `--concurrency auto` with real CPU and memory hogs: slots go down under pressure and come
/// back after. Heavy (burns both cores, allocates gigabytes): run alone, not beside other heavy
/// suites. The CPU hogs run in a cgroup v2 of their own that the worker is told to watch
/// (`cgroupDirectory`), so other load on the machine neither causes nor masks the throttling;
/// the memory test reads `/proc/meminfo` with a threshold set just above the memory in use.
@Suite(.serialized, .timeLimit(.minutes(3)), .enabled(if: HogCgroup.available, "needs a writable cgroup v2 with PSI (root)"))
struct AdaptiveConcurrencyTests {
    @Test func cpuHogsShrinkTheSlotsAndTheyComeBackAfter() async throws {
        try await withWorkerFixture { fixture in
            let cgroup = try HogCgroup()
            defer { cgroup.remove() }
            let worker = try adaptiveWorker(fixture, cgroup: cgroup, thresholds: .init(cpu: 0.5, memory: 1, memoryStall: 1))
            // A task holding a slot throughout, so the throttle events reach its run.
            let release = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-release-\(UUID().uuidString)").path
            defer { unlink(release) }
            try await fixture.submit("r1", [
                try taskRecord("r1", "hold", argv: ["sh", "-c", "while [ ! -e '\(release)' ]; do sleep 0.1; done"]),
            ])
            try await running(worker) {
                #expect(try await fixture.eventually(.seconds(20)) { worker.slots == 4 }, "an idle cgroup should let the slots grow to the maximum")
                try await fixture.expect("r1", "hold", state: "running")

                var hogs = try cgroup.spawnCPUBurners(2 * ProcessInfo.processInfo.activeProcessorCount)
                defer { hogs.killAll() }
                #expect(try await fixture.eventually(.seconds(20)) { worker.slots == 1 }, "CPU hogs should take the slots down to the minimum")
                hogs.killAll()
                #expect(try await fixture.eventually(.seconds(30)) { worker.slots == 4 }, "the slots should grow back once the hogs are gone")

                let log = fixture.log.all
                #expect(log.contains { $0.contains("throttle: slots 4 -> 2: cpu pressure") })
                #expect(log.contains { $0.contains("throttle: slots 2 -> 1: cpu pressure") })
                #expect(log.contains { $0.contains("throttle: slots 3 -> 4: under thresholds") })

                // The heartbeat info (qctl workers) shows the adaptive range and the last change.
                let info = try #require(try await workerInfo(fixture, eventually: { ($0["lastThrottle"] as? [String: Any])?["to"] as? Int == 4 }))
                #expect(info["concurrency"] as? String == "auto:1-4")
                #expect(info["slots"] as? Int == 4)
                #expect((info["throttles"] as? Int ?? 0) >= 4)
                #expect(info["pressure"] is [String: Any])
                #expect(FileManager.default.createFile(atPath: release, contents: nil))
                try await fixture.expect("r1", "hold", state: "succeeded")
            }
            // Every change while the task ran is in its run: the events and the count.
            let throttled = try await fixture.events("r1").filter { $0["type"] == "worker_throttled" }
            #expect(throttled.count >= 4)
            #expect(throttled.allSatisfy { $0["worker"] == "w1" })
            let firstCut = throttled.first { $0["reason"]?.hasPrefix("cpu pressure") == true }
            #expect(firstCut?["from"] == "4")
            #expect(firstCut?["to"] == "2")
            let count = try await fixture.redis.send("HGET", .string(fixture.keys.run("r1")), "throttles").string
            #expect(count == String(throttled.count))
        }
    }

    @Test func aMemoryHogShrinksTheSlotsAndTheyComeBackAfter() async throws {
        try await withWorkerFixture { fixture in
            let cgroup = try HogCgroup()
            defer { cgroup.remove() }
            let meminfo = try #require(PressureParsing.memInfo(try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)))
            let gibibyte = Double(1 << 30)
            let total = Double(meminfo.total)
            let used = total - Double(meminfo.available)
            // Shrink once 2 GiB more are in use than now; the hog takes 4 GiB.
            let hogBytes = 4 * (1 << 30)
            try #require(Double(meminfo.available) > Double(hogBytes) + 2 * gibibyte, "not enough free memory for a 4 GiB hog")
            let threshold = (used + 2 * gibibyte) / total
            let worker = try adaptiveWorker(
                fixture, cgroup: cgroup, thresholds: .init(cpu: 1, memory: threshold, memoryStall: 1, hysteresis: 0.5 * gibibyte / total))
            try await running(worker) {
                #expect(try await fixture.eventually(.seconds(20)) { worker.slots == 4 })
                var hog = try MemoryHog(bytes: hogBytes)
                defer { hog.kill() }
                #expect(try await fixture.eventually(.seconds(30)) { worker.slots == 1 }, "a 4 GiB hog should take the slots down")
                hog.kill()
                #expect(try await fixture.eventually(.seconds(30)) { worker.slots == 4 }, "the slots should grow back once the hog is gone")
                #expect(fixture.log.all.contains { $0.contains("throttle: slots 4 -> 2: memory") })
            }
        }
    }

    /// A worker with slots `auto:1-4` (starting at 2), sampling every 250 ms, heartbeating every second.
    private func adaptiveWorker(
        _ fixture: WorkerFixture, cgroup: HogCgroup, thresholds: AdaptiveConcurrency.Thresholds
    ) throws -> WorkerService {
        var configuration = WorkerConfiguration(
            redisURL: fixture.server.url, namespace: WorkerFixture.namespace, name: "w1", concurrency: 2, queues: ["default"],
            lease: .seconds(3), drainTime: .seconds(5), killGrace: .seconds(2), idleBlockTime: .seconds(2))
        configuration.adaptiveConcurrency = AdaptiveConcurrencyConfiguration(
            minimum: 1, maximum: 4, thresholds: thresholds, sampleInterval: .milliseconds(250), cgroupDirectory: cgroup.path)
        return try WorkerService(configuration: configuration, logger: Logger.qrew("worker w1", sink: fixture.log.sink))
    }

    /// The worker's heartbeat info, once `condition` holds for it (nil if it never does).
    private func workerInfo(_ fixture: WorkerFixture, eventually condition: @escaping ([String: Any]) -> Bool) async throws -> [String: Any]? {
        var info: [String: Any]?
        _ = try await fixture.eventually(.seconds(10)) {
            let text = try await fixture.redis.send("HGET", .string("\(WorkerFixture.namespace):worker:w1"), "info").string ?? "{}"
            info = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            return info.map(condition) ?? false
        }
        return info.flatMap { condition($0) ? $0 : nil }
    }
}

/// A cgroup v2 of the test's own under the hybrid or unified mount, that CPU hogs are moved into.
struct HogCgroup {
    static let mount: String? = ["/sys/fs/cgroup/unified", "/sys/fs/cgroup"].first {
        FileManager.default.fileExists(atPath: $0 + "/cgroup.controllers") && access($0, W_OK) == 0
            && FileManager.default.fileExists(atPath: $0 + "/cpu.pressure")
    }
    static var available: Bool { mount != nil }

    let path: String

    init() throws {
        guard let mount = Self.mount else { throw HogError("no writable cgroup v2") }
        path = "\(mount)/qrew-test-\(getpid())-\(UUID().uuidString.prefix(8))"
        guard mkdir(path, 0o755) == 0 else { throw HogError("mkdir \(path): errno \(errno)") }
    }

    /// Starts `count` busy loops inside this cgroup.
    func spawnCPUBurners(_ count: Int) throws -> Hogs {
        var hogs = Hogs()
        for _ in 0..<count {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "while :; do :; done"]
            try process.run()
            hogs.processes.append(process)
            try "\(process.processIdentifier)\n".write(toFile: path + "/cgroup.procs", atomically: false, encoding: .utf8)
        }
        return hogs
    }

    /// Removes the cgroup once its processes are gone.
    func remove() {
        for _ in 0..<50 where rmdir(path) != 0 {
            usleep(100_000)
        }
    }
}

/// Processes killed with SIGKILL (a test-started child may have SIGTERM blocked) and reaped.
struct Hogs {
    var processes: [Process] = []

    mutating func killAll() {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        processes = []
    }
}

/// A python3 process holding `bytes` of touched memory until killed.
struct MemoryHog {
    private var hogs = Hogs()

    init(bytes: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import time\nb = bytearray(\(bytes))\nfor i in range(0, len(b), 4096): b[i] = 1\ntime.sleep(300)",
        ]
        try process.run()
        hogs.processes.append(process)
    }

    mutating func kill() { hogs.killAll() }
}

struct HogError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
