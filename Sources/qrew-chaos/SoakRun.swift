import Foundation
import QrewLocalCluster
import QrewQueue
import QrewRedis

/// One soak: a local cluster, a steady stream of runs, Redis sampled every few seconds, and a
/// verdict on whether memory and key count stay flat after warm-up (`SoakVerdict`).
struct SoakRun {
    struct Settings: Sendable {
        var duration: Duration
        var sampleEvery: Duration
        /// The coordinator's `--retention`.
        var retention: Duration
        var workers: Int
        /// Runs kept unfinished at once: the stream adapts to the machine, so the backlog (and
        /// with it memory) never grows because the cluster is slower than the submitter.
        var inFlight: Int
        var tolerance: Double
        var binDirectory: String
    }

    /// The workflow every run submits: a fan-out of shell steps, a step on a pool shared by
    /// every run, a step that fails once and is retried, a join, and a run timeout.
    static let workflow = """
        {"name": "soak", "timeout": "2m",
         "parallel": {"maxConcurrency": 6, "resources": {"db": 1}},
         "defaults": {"timeout": "30s"},
         "steps": [
           {"id": "prepare", "type": "echo", "with": {"message": "ready"}},
           {"id": "fan", "dependsOn": ["prepare"], "matrix": {"i": ["0", "1", "2", "3", "4", "5"]}, "type": "shell",
            "run": ["echo", "part ${{ matrix.i }}"]},
           {"id": "db", "dependsOn": ["prepare"], "resource": "db", "type": "sleep", "with": {"duration": "50ms"}},
           {"id": "flaky", "dependsOn": ["prepare"], "type": "shell", "shell": true,
            "run": ["test \\"$QREW_ATTEMPT\\" -ge 2"], "retries": {"max": 2, "backoff": "fixed", "initial": "100ms"}},
           {"id": "join", "dependsOn": ["fan", "db", "flaky"], "type": "echo", "with": {"message": "done"}}
         ]}
        """

    let settings: Settings

    func run() async -> Int32 {
        say("soak: duration=\(settings.duration.short) sample-every=\(settings.sampleEvery.short) retention=\(settings.retention.short) workers=\(settings.workers) in-flight=\(settings.inFlight)")
        let cluster: LocalCluster
        do {
            var options = LocalCluster.Options(
                binDirectory: settings.binDirectory, namespace: "soak", workers: settings.workers, workerConcurrency: 4,
                coordinatorArguments: ["--retention", "\(settings.retention.milliseconds)ms"],
                environment: ["QREW_LOG_LEVEL": "warning"], tag: "soak")
            options.coordinators = 1
            cluster = try await LocalCluster.start(options)
        } catch {
            say("soak: cannot start the cluster: \(error)")
            return 2
        }
        let redis = RedisClient(configuration: (try? RedisConfiguration(url: cluster.redisURL)) ?? RedisConfiguration())
        defer { redis.close() }
        let queue: QueueClient
        do {
            queue = QueueClient(redis: redis, keys: Keys(prefix: "soak"), scripts: try ScriptLibrary.bundled.get())
        } catch {
            say("soak: \(error)")
            await cluster.stop(grace: .seconds(2))
            return 2
        }
        let deadline = ContinuousClock.now + settings.duration
        let counters = SoakCounters()
        let submitting = Task { await submit(queue, until: deadline, counters: counters) }
        var samples: [SoakVerdict.Sample] = []
        let start = ContinuousClock.now
        var next = start + settings.sampleEvery
        while next <= deadline {
            try? await Task.sleep(until: next)
            next += settings.sampleEvery
            guard let sample = await sample(queue, at: start.duration(to: .now), counters: counters) else {
                say("soak: sample failed (Redis unreachable?)")
                continue
            }
            samples.append(sample)
            say(sample.line)
        }
        submitting.cancel()
        await submitting.value
        await cluster.stop(grace: .seconds(5))

        let verdict = SoakVerdict(samples: samples, tolerance: settings.tolerance)
        for line in verdict.lines { say(line) }
        return verdict.flat ? 0 : 1
    }

    /// Keeps `inFlight` runs unfinished until the deadline; cancels every tenth run shortly after
    /// submitting it.
    private func submit(_ queue: QueueClient, until deadline: ContinuousClock.Instant, counters: SoakCounters) async {
        var open: [String] = []
        var index = 0
        while ContinuousClock.now < deadline, !Task.isCancelled {
            var still: [String] = []
            for run in open {
                let finished = (try? await queue.redis.send("HEXISTS", .string(queue.keys.run(run)), "finishedAt").int) ?? 0
                if finished == 1 { counters.finished() } else { still.append(run) }
            }
            open = still
            while open.count < settings.inFlight {
                index += 1
                let run = "soak-\(index)"
                guard (try? await queue.enqueueSubmission(runID: run, fileName: "soak.json", workflow: Self.workflow, params: [:])) != nil
                else { break }
                counters.submitted()
                open.append(run)
                if index % 10 == 0 {
                    Task {
                        try? await Task.sleep(for: .milliseconds(300))
                        _ = try? await queue.cancelRun(run, reason: "soak: canceled on purpose")
                    }
                }
            }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }

    private func sample(_ queue: QueueClient, at elapsed: Duration, counters: SoakCounters) async -> SoakVerdict.Sample? {
        let keys = queue.keys
        guard let replies = try? await queue.redis.pipeline([
            ["INFO", "memory"], ["DBSIZE"], ["ZCARD", .string(keys.runs)], ["LLEN", .string(keys.deadLetters)],
            ["XLEN", .string(keys.events)], ["XLEN", .string(keys.submissions)],
        ]), replies.count == 6, let info = replies[0].string,
              let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("used_memory:") }),
              let memory = Int(line.dropFirst("used_memory:".count))
        else { return nil }
        let (submitted, finished) = counters.values
        return SoakVerdict.Sample(
            elapsed: elapsed, usedMemory: memory, keys: replies[1].int ?? 0, runIndex: replies[2].int ?? 0,
            deadLetters: replies[3].int ?? 0, events: replies[4].int ?? 0, submissions: replies[5].int ?? 0,
            submitted: submitted, finished: finished)
    }
}
