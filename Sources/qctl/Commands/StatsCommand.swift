import QrewInspect
import ArgumentParser
import QrewCore
import QrewQueue

/// `qctl stats RUN`: where a run's time went, from its stored events and records, with
/// recommendations; on a run still going, an ETA (docs/operations.md, *Run statistics*).
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        _superCommandName: "qctl",
        abstract: "Show a run's statistics: wall time, critical path, concurrency, steps, pools, recommendations.",
        discussion: """
            Computed from what the run stored (task records and its progress stream); nothing runs \
            differently for it. On a run still going it adds an ETA: the remaining critical path \
            priced with step durations learned from earlier runs of the workflow. The rules behind \
            the recommendations are in docs/operations.md.
            """)

    @Argument(help: "Run id.")
    var run: String

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print JSON (keys: wallSeconds, criticalPath, parallelEfficiency, peakConcurrency, steps, pools, recommendations, ...).")
    var json = false

    func run() async throws {
        try await redis.withQueue { queue in
            guard let records = try await queue.runRecords(run) else { throw CommandFailure.unknownRun(run, redis) }
            let statistics = RunStatistics(records)
            if json {
                try Console.json(statistics)
            } else {
                Console.out(Self.render(statistics))
            }
        }
    }

    static func render(_ stats: RunStatistics) -> String {
        var lines = ["run \(stats.run): \(stats.state)"]
        lines.append("wall time \(seconds(stats.wallSeconds)); task time \(seconds(stats.taskSeconds))")
        let efficiency = stats.parallelEfficiency.map { "\(percent($0)) %" } ?? "-"
        lines.append("concurrency: peak \(stats.peakConcurrency), mean \(decimal(stats.meanConcurrency)); parallel efficiency \(efficiency)")
        let counts = stats.states.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        lines.append("tasks: \(counts.isEmpty ? "none" : counts)" + (stats.successRate.map { "; success rate \(percent($0)) %" } ?? ""))
        if stats.throttles > 0 { lines.append("worker throttles: \(stats.throttles)") }
        let planned = stats.criticalPath.planned
        let actual = stats.criticalPath.actual
        lines.append("critical path, planned: \(seconds(planned.seconds)) \(path(planned.tasks))")
        lines.append("critical path, actual:  \(seconds(actual.seconds)) running + \(seconds(actual.waitSeconds)) waiting \(path(actual.tasks))")
        if let eta = stats.eta {
            var text = eta.remainingSeconds == 0 && !eta.unestimatedSteps.isEmpty
                ? "ETA: unknown yet"
                : "ETA: about \(seconds(eta.remainingSeconds)) left, at \(Timestamp.dateTime(milliseconds: eta.at)) \(path(eta.path))"
            if !eta.unestimatedSteps.isEmpty { text += "; no duration known yet for \(eta.unestimatedSteps.joined(separator: ", "))" }
            lines.append(text)
        }
        lines.append("")
        lines += TextTable.render(
            header: ["step", "tasks", "run p50", "run max", "wait p50", "wait max", "retries", "failures", "critical"],
            rows: stats.steps.map { step in
                [step.step, "\(step.tasks)", optional(step.runSecondsP50), optional(step.runSecondsMax),
                 optional(step.queueWaitSecondsP50), optional(step.queueWaitSecondsMax),
                 step.retriesAfterTimeout > 0 ? "\(step.retries) (\(step.retriesAfterTimeout) timeouts)" : "\(step.retries)",
                 "\(step.failures)", step.onCriticalPath ? "yes" : ""]
            })
        if !stats.pools.isEmpty {
            lines.append("")
            lines += TextTable.render(
                header: ["limit", "size", "utilization", "full", "parked"],
                rows: stats.pools.map { pool in
                    [pool.limit, pool.size.map(String.init) ?? "-", pool.utilization.map { "\(percent($0)) %" } ?? "-",
                     pool.fullFraction.map { "\(percent($0)) %" } ?? "-", seconds(pool.parkedSeconds)]
                })
        }
        if !stats.breakers.isEmpty {
            lines.append("")
            lines += TextTable.render(
                header: ["circuit breaker", "opens at", "tasks", "failed attempts", "now"],
                rows: stats.breakers.map { breaker in
                    ["\(breaker.key)", "\(breaker.failures) in \(seconds(breaker.windowSeconds))", "\(breaker.tasks)", "\(breaker.failedAttempts)",
                     (breaker.state ?? "closed") + (breaker.openUntil.map { " until " + Timestamp.dateTime(milliseconds: $0) } ?? "")]
                })
        }
        lines.append("")
        if stats.recommendations.isEmpty {
            lines.append("recommendations: none")
        } else {
            lines.append("recommendations:")
            lines += stats.recommendations.map { "- " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    private static func path(_ tasks: [String]) -> String {
        tasks.isEmpty ? "(none)" : "(" + tasks.joined(separator: " → ") + ")"
    }

    private static func seconds(_ value: Double) -> String { Timestamp.duration(milliseconds: Int((value * 1000).rounded())) }
    private static func optional(_ value: Double?) -> String { value.map(seconds) ?? "-" }
    private static func percent(_ share: Double) -> Int { Int((share * 100).rounded()) }
    private static func decimal(_ value: Double) -> String { String(Double(Int((value * 10).rounded())) / 10) }
}
