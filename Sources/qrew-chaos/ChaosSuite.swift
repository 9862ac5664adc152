import Foundation
import QrewCore
import QrewLocalCluster
import QrewQueue
import QrewRedis

/// One run of the chaos suite: start the cluster (AOF redis, coordinators, workers), submit the
/// runs while the faults land, wait (bounded) for every run to finish, verify, print the counts
/// line. Returns the exit status: 0 only if nothing was lost, doubled, reordered or left
/// unfinished, every run succeeded and no process died on its own.
struct ChaosSuite {
    let settings: ChaosSettings

    func run() async -> Int32 {
        let clock = ChaosClock()
        let log = FaultLog(clock: clock)
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("qrew-chaos-XXXXXX")).utf8CString)
        guard let made = mkdtemp(&template) else {
            say("chaos: cannot create a temporary directory: \(String(cString: strerror(errno)))")
            return 2
        }
        let directory = String(cString: made)
        let effects = directory + "/effects"
        try? FileManager.default.createDirectory(atPath: effects, withIntermediateDirectories: true)
        say("chaos: seed=\(settings.seed) runs=\(settings.runs) duration=\(settings.duration.short) kill-interval=\(settings.killInterval.short) lease=\(settings.lease.short) workers=\(settings.workers) partition-workers=\(settings.partitionWorkers) coordinators=\(settings.coordinators) acl=\(settings.aclRoles) signing=\(settings.signing ? "on" : "off") dir=\(directory)")

        var generator = WorkflowGenerator(seed: settings.seed, sideEffectDirectory: effects)
        let plans = (1...settings.runs).map { generator.makeRun(id: String(format: "run-%03d", $0)) }
        let scheduled = (0..<settings.schedules).map { index in
            let name = String(format: "tick-%02d", index + 1)
            // Small workflows: every due minute makes a run of each, on top of `runs`.
            return ChaosSchedules.Entry(name: name, plan: generator.makeRun(id: name, steps: 1...3))
        }
        let watchdog = Watchdog(redisPidFile: directory + "/redis.pid")

        let cluster: LocalCluster
        let proxy: PartitionProxy?
        do {
            // Redis gets a port known in advance so the proxy can forward to it before the
            // workers behind it start.
            let redisPort = try PartitionProxy.freeLoopbackPort()
            proxy = settings.partitionWorkers > 0 ? try PartitionProxy(targetPort: redisPort) : nil
            var options = LocalCluster.Options(
                binDirectory: settings.binDirectory, namespace: "chaos", workers: settings.workers,
                workerConcurrency: settings.workerConcurrency,
                workerArguments: ["--lease", "\(settings.lease.milliseconds)ms", "--drain", "5s"],
                environment: ["QREW_LOG_LEVEL": "info"], tag: "chaos")
            options.coordinators = settings.coordinators
            // Small slices: most runs are stored in several calls, so kills land mid-storage too.
            options.coordinatorArguments = [
                "--leader-lease", "\(ChaosSettings.leaderLease.milliseconds)ms", "--store-slice", "\(ChaosSettings.storeSlice)",
            ]
            options.logDirectory = directory
            if settings.signing { options.signingKeyFile = try Self.writeSigningKeyFile(in: directory) }
            options.redisOptions = RedisServerOptions(appendOnly: true, port: redisPort, extraArguments: ["--pidfile", directory + "/redis.pid"])
            if settings.aclRoles {
                try ChaosAclRoles(namespace: "chaos", directory: directory).apply(to: &options, redisPort: redisPort)
            }
            if let proxy {
                for slot in 0..<settings.partitionWorkers { options.workerRedisURLs[slot] = "redis://127.0.0.1:\(proxy.port)" }
            }
            cluster = try await LocalCluster.start(options)
        } catch {
            say("chaos: cannot start the cluster: \(error)\nchaos: log directory: \(directory)")
            return 2
        }
        watchdog.watch(cluster)
        let redis = RedisClient(configuration: (try? RedisConfiguration(url: cluster.redisURL)) ?? RedisConfiguration(endpoint: .tcp(host: "127.0.0.1", port: cluster.redis?.port ?? 6379)))
        defer { redis.close() }
        let queue: QueueClient
        do {
            queue = QueueClient(redis: redis, keys: Keys(prefix: "chaos"), scripts: try ScriptLibrary.bundled.get())
        } catch {
            say("chaos: \(error)")
            await cluster.stop(grace: .seconds(2))
            return 2
        }
        let monitor = ResultMonitor(queue: queue)
        watchdog.arm(deadline: settings.hardDeadline) {
            "runs not seen finished: \(monitor.unfinished.count); log directory: \(directory)"
        }
        // With --acl the URL holds the suite's own password: not for the log.
        let shownURL = settings.aclRoles ? "redis://127.0.0.1:\(cluster.redis?.port ?? 0) with ACL roles" : cluster.redisURL
        say("chaos: cluster up (redis \(shownURL), logs and side effects in \(directory)); \(plans.reduce(0) { $0 + $1.taskCount }) tasks in \(plans.count) runs")

        let schedules = ChaosSchedules(queue: queue, entries: scheduled, log: log)
        guard await schedules.add(deadline: ContinuousClock.now + .seconds(30)) else {
            say("chaos: cannot add the schedules\nchaos: log directory: \(directory)")
            await cluster.stop(grace: .seconds(2))
            return 2
        }

        // Phase 1: runs flow while faults land, and schedules fire.
        let monitoring = Task { await monitor.run() }
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(10))
                if Task.isCancelled { break }
                log.note("progress: \(monitor.finished.count) run(s) finished, \(monitor.unfinished.count) submitted and unfinished")
            }
        }
        let plan = FaultPlan(
            seed: settings.seed, window: settings.duration, interval: settings.killInterval, lease: settings.lease,
            leaderLease: ChaosSettings.leaderLease, workers: settings.workers, coordinators: settings.coordinators,
            partitions: proxy != nil)
        let injector = FaultInjector(
            cluster: cluster, plan: plan, log: log, queue: queue, proxy: proxy, proxiedWorkers: settings.partitionWorkers)
        var directIntake = RunIntake()
        do {
            directIntake.signer = try SigningKeyFile.signer(flag: cluster.options.signingKeyFile, environment: [:], namespace: "chaos")
        } catch {
            say("chaos: \(error)")
            await cluster.stop(grace: .seconds(2))
            return 2
        }
        let submitter = RunSubmitter(queue: queue, runs: plans, log: log, directIntake: directIntake)
        let submitDeadline = ContinuousClock.now + settings.duration + .seconds(30)
        async let faultsDone: Void = injector.run()
        async let submittedIDs = submitter.run(over: settings.duration * 0.75, deadline: submitDeadline, monitor: monitor)
        async let ticksDriven: Void = schedules.drive(over: settings.duration * 0.6, deadline: submitDeadline)
        let submitted = await submittedIDs
        await faultsDone
        await ticksDriven
        log.note("fault window closed: \(FaultLog.Kind.allCases.map { "\($0.rawValue)=\(log.count($0))" }.joined(separator: " "))")
        // Phase 2: every run should finish now that the cluster is left alone. The schedules
        // stop first, once caught up (within the settle time), and their runs are waited for too.
        let settleDeadline = ContinuousClock.now + settings.settle
        let scheduleOutcomes = await schedules.stop(deadline: ContinuousClock.now + settings.settle / 2)
        var ignored = ChaosReport()  // problems are reported in phase 3, from the final state
        let storedAtStop = await retrying { try await storedRunIDs(queue) } ?? []
        monitor.add(scheduleOutcomes.flatMap { ChaosSchedules.expectedRuns($0, storedRunIDs: storedAtStop, into: &ignored) })
        log.note("schedules paused: " + scheduleOutcomes.map { "\($0.name) fired \($0.fired)" }.joined(separator: ", "))

        while !monitor.unfinished.isEmpty, ContinuousClock.now < settleDeadline {
            try? await Task.sleep(for: .milliseconds(250))
        }
        monitoring.cancel()
        progress.cancel()
        await monitoring.value
        if monitor.unfinished.isEmpty {
            log.note("all \(submitted.count) submitted runs finished")
        } else {
            log.note("settle time \(settings.settle.short) over: \(monitor.unfinished.count) run(s) unfinished")
        }

        // Phase 3: verify every run from Redis and the side-effect files.
        var report = ChaosReport()
        var pools = PoolUsage(sizes: WorkflowGenerator.slotSizes)
        var rates = RateUsage(limit: WorkflowGenerator.rateLimit.limit, perMilliseconds: WorkflowGenerator.rateLimit.perMilliseconds)
        let submittedSet = Set(submitted)
        for plan in plans {
            guard submittedSet.contains(plan.runID) else {
                report.add(.unfinished, run: plan.runID, "never submitted (Redis unreachable until the deadline)")
                continue
            }
            let snapshot = await retrying { try await queue.runSnapshot(plan.runID) } ?? nil
            if let snapshot { monitor.observe(snapshot) }
            let events = await readEvents(queue, runID: plan.runID)
            pools.add(runID: plan.runID, events: events, poolOf: plan.pool(ofTask:))
            rates.add(events: events, isLimited: plan.isRateLimited)
            RunVerifier(plan: plan, snapshot: snapshot, events: events, effects: SideEffects(path: plan.sideEffectPath, runID: plan.runID))
                .verify(into: &report)
        }
        let storedRuns = await retrying { try await storedRunIDs(queue) } ?? []
        for (entry, outcome) in zip(scheduled, scheduleOutcomes) {
            let expected = ChaosSchedules.expectedRuns(outcome, storedRunIDs: storedRuns, into: &report)
            report.scheduleTicks += expected.count
            for runID in expected {
                let plan = entry.plan.renamed(runID)
                guard let snapshot = await retrying({ try await queue.runSnapshot(runID) }) ?? nil else {
                    report.add(.lost, run: runID, "schedule \(entry.name): the due tick made no run (a gap)")
                    continue
                }
                monitor.observe(snapshot)
                let events = await readEvents(queue, runID: runID)
                pools.add(runID: runID, events: events, poolOf: plan.pool(ofTask:))
                rates.add(events: events, isLimited: plan.isRateLimited)
                RunVerifier(plan: plan, snapshot: snapshot, events: events, effects: SideEffects(path: plan.sideEffectPath, runID: runID))
                    .verify(into: &report)
                if snapshot.state == "succeeded" { report.scheduledRunsSucceeded += 1 }
            }
        }
        let poolCheck = pools.check()
        for violation in poolCheck.violations {
            report.add(.pool, run: "-", task: "\(violation.pool)@\(violation.milliseconds)/\(violation.ref)",
                       "pool \(violation.pool) (size \(violation.size)): \(violation.ref) started at \(violation.milliseconds) ms with \(violation.inFlight - 1) lease(s) in flight: \(violation.others.joined(separator: ", "))",
                       at: violation.milliseconds)
        }
        let rateCheck = rates.check()
        for violation in rateCheck.violations {
            report.add(.rate, run: "-", task: "\(WorkflowGenerator.rateLimit.key)@\(violation.milliseconds)",
                       "rate limit \(WorkflowGenerator.rateLimit.key) (\(rates.limit) per \(rates.perMilliseconds) ms): \(violation.starts) starts from \(violation.spanStart) to \(violation.milliseconds) ms",
                       at: violation.milliseconds)
        }
        for change in monitor.changes {
            report.add(.doubled, run: change.runID, task: change.taskID,
                       "final result changed: was \(change.before), now \(change.after)", at: change.wallMilliseconds)
        }
        for failure in log.failures {
            report.add(.hung, run: "-", task: failure.text, failure.text, at: failure.wallMilliseconds)
        }
        for (name, process) in cluster.processes {
            if let status = process.exited {
                report.add(.crashed, run: "-", task: name,
                           "\(name) (pid \(process.pid)) exited on its own with status \(SpawnedProcess.exitCode(status)); log \(process.logPath):\n\(process.logTail(lines: 10))")
            }
        }

        // The verdict is printed and, when the directory is kept, saved in it with the timeline.
        var verdict: [String] = []
        func tell(_ line: String) {
            say(line)
            verdict.append(line)
        }
        for problem in report.problems.prefix(60) {
            tell("chaos: \(problem.category.rawValue): run \(problem.runID)\(problem.taskID.map { " task \($0)" } ?? ""): \(problem.detail)")
            if let wall = problem.wallMilliseconds {
                for line in log.around(wall) { tell("    fault nearby: \(line)") }
            }
        }
        if report.problems.count > 60 { tell("chaos: ... and \(report.problems.count - 60) more problem(s)") }
        let tasks = plans.reduce(0) { $0 + $1.taskCount }
        let slots = WorkflowGenerator.slotSizes
        tell("chaos: pools and concurrency keys shared by every run: " + slots.keys.sorted().map { "\($0) size \(slots[$0] ?? 0), at most \(poolCheck.maxInFlight[$0] ?? 0) in flight" }.joined(separator: "; "))
        tell("chaos: rate limit \(WorkflowGenerator.rateLimit.key) \(rates.limit) per \(rates.perMilliseconds) ms: at most \(rateCheck.busiest) starts in one span")
        tell("chaos: dynamic fan-outs verified whole: \(report.fanOuts) (\(report.fanOutTasks) expanded task(s)); schedules: \(scheduled.count), \(report.scheduleTicks) due tick(s), \(report.scheduledRunsSucceeded) run(s) made and succeeded")
        tell("chaos: at-least-once at work: \(report.reexecuted) shell task(s) started more than once, \(report.reapedLeases) lease(s) taken back")
        tell("chaos: runs=\(plans.count) tasks=\(tasks) fan_outs=\(report.fanOuts) fan_out_tasks=\(report.fanOutTasks) schedule_ticks=\(report.scheduleTicks) scheduled_runs_succeeded=\(report.scheduledRunsSucceeded) worker_kills=\(log.count(.workerKill)) coordinator_kills=\(log.count(.coordinatorKill)) redis_restarts=\(log.count(.redisRestart)) worker_stops=\(log.count(.workerStop)) coordinator_stops=\(log.count(.coordinatorStop)) worker_partitions=\(log.count(.workerPartition)) pool_violations=\(report.count(.pool)) rate_violations=\(report.count(.rate)) lost=\(report.count(.lost)) doubled=\(report.count(.doubled)) order_violations=\(report.count(.order)) unfinished=\(report.count(.unfinished))")

        await cluster.stop(grace: .seconds(5))
        proxy?.close()
        let passed = report.passed
        if !passed || settings.keep {
            if let redisDirectory = cluster.redis?.directory {
                try? FileManager.default.copyItem(atPath: redisDirectory, toPath: directory + "/redis")
            }
            let saved = ["seed=\(settings.seed)"] + verdict + ["", "timeline:"] + log.timeline
            try? Data((saved.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: directory + "/report.txt"))
            say("chaos: \(passed ? "kept" : "FAILED; see") the log directory: \(directory)")
        } else {
            try? FileManager.default.removeItem(atPath: directory)
        }
        return passed ? 0 : 1
    }

    /// The ids of every run stored (`P:runs`).
    private func storedRunIDs(_ queue: QueueClient) async throws -> [String] {
        try await queue.redis.send("ZRANGE", .string(queue.keys.runs), 0, -1).array?.compactMap(\.string) ?? []
    }

    /// Every event of a run's stream, oldest first.
    private func readEvents(_ queue: QueueClient, runID: String) async -> [StreamEntry] {
        var events: [StreamEntry] = []
        var after = "0"
        while true {
            guard let page = await retrying({ try await queue.runEvents(runID, after: after, count: 1000) }) else { break }
            guard let last = page.last else { break }
            events += page
            after = last.id
        }
        return events
    }

    /// Tries a read a few times (Redis may still be coming back); nil if it never worked.
    private func retrying<T: Sendable>(_ read: () async throws -> T) async -> T? {
        for _ in 0..<10 {
            if let value = try? await read() { return value }
            try? await Task.sleep(for: .milliseconds(500))
        }
        return nil
    }

    /// Writes a fresh key file (`signing.key`, mode 0400) into `directory`; returns its path.
    static func writeSigningKeyFile(in directory: String) throws -> String {
        let path = directory + "/signing.key"
        try (try SigningKey.newKeyLine(id: "chaos") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o400], ofItemAtPath: path)
        return path
    }
}
