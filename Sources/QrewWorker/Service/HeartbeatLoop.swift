import Logging
import Foundation
import QrewCore
import QrewQueue

/// A heartbeat loop renews every lease the worker holds, in one round trip every third of the
/// lease, and publishes the worker's info. A lease reported lost (reclaimed after an outage,
/// or its run canceled) stops that task here: its process group is killed and no result is
/// recorded, since another worker may be running it already.
struct HeartbeatLoop: Sendable {
    let queue: QueueClient
    let tasks: RunningTasks
    let outage: RedisOutage
    let logger: Logger
    let configuration: WorkerConfiguration
    /// The throttle loop's measurements, for the info; nil with fixed slots.
    let throttle: ThrottleStatus?

    /// What `P:worker:<name>` `info` holds, for dashboards and `qctl`.
    struct Info: Encodable {
        let name: String
        let slots: Int
        let queues: [String]
        let host: String
        let pid: Int32
        let running: Int
        /// With `--concurrency auto`: `auto:MIN-MAX`.
        var concurrency: String?
        /// With `--concurrency auto`: the latest pressure sample.
        var pressure: PressureSample?
        /// With `--concurrency auto`: the last slot change, and how many there were.
        var lastThrottle: ThrottleStatus.Event?
        var throttles: Int?
    }

    func run() async {
        var backoff = configuration.redisBackoff
        while !Task.isCancelled {
            do {
                try await beat()
                outage.succeeded()
                backoff.reset()
                try await Task.sleep(for: configuration.heartbeatInterval)
            } catch let error as QueueError {
                outage.failed(error, during: "heartbeat", running: tasks.count)
                do { try await backoff.wait() } catch { return }
            } catch {
                return
            }
        }
    }

    /// One heartbeat: renews the held leases and stops the tasks whose lease is gone.
    func beat() async throws(QueueError) {
        let held = tasks.held
        let sentAt = ContinuousClock.now
        let lost = try await queue.heartbeat(
            worker: configuration.name, lease: configuration.lease, info: info(running: held.count), holding: held)
        let lostSet = Set(lost)
        tasks.renew(held.map(\.ref).filter { !lostSet.contains($0) }, until: sentAt + configuration.lease)
        for ref in lost where tasks.stop(ref, .leaseLost) {
            logger.warning("lease of \(ref) lost; stopping it")
        }
    }

    private func info(running: Int) -> String {
        var info = Info(
            name: configuration.name, slots: tasks.slots, queues: configuration.queues,
            host: ProcessInfo.processInfo.hostName, pid: ProcessInfo.processInfo.processIdentifier, running: running)
        if let throttle, let adaptive = configuration.adaptiveConcurrency {
            let snapshot = throttle.snapshot
            info.concurrency = "auto:\(adaptive.minimum)-\(adaptive.maximum)"
            info.pressure = snapshot.sample
            info.lastThrottle = snapshot.last
            info.throttles = snapshot.count
        }
        guard let data = try? JSONEncoder().encode(info) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
