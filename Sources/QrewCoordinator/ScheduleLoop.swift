import Logging
import QrewQueue

/// A schedule loop submits the runs of due schedules while this coordinator leads: each pass
/// plans every due schedule on Redis's clock and fires it with one fenced `fire_schedule`, then
/// sleeps until the next schedule is due (at most the maintenance interval, so a schedule added
/// or resumed meanwhile is planned promptly).
struct ScheduleLoop {
    let queue: QueueClient
    let configuration: CoordinatorConfiguration
    let leadership: Leadership
    let log: Logger

    func run() async {
        await leadership.whileLeading(outage: OutageTracker(log: log, what: "schedules")) { fence in
            // No active schedule (the usual case): one ZCARD instead of the due_schedules call.
            let active = try await queue.maintenanceBacklog().schedules > 0
            let firing = active ? try await queue.fireDueSchedules(fence: fence) : ScheduleFiring()
            report(firing)
            let interval = configuration.maintenanceInterval
            await leadership.pause(for: firing.nextDue.map { min($0, interval) } ?? interval)
        }
    }

    private func report(_ firing: ScheduleFiring) {
        if !firing.submitted.isEmpty { log.info("schedules submitted run(s) \(firing.submitted.joined(separator: ", "))") }
        if firing.skipped > 0 { log.info("schedules skipped \(firing.skipped) tick(s): the previous run was still going (overlap: skip)") }
        if firing.canceled > 0 { log.info("schedules canceled \(firing.canceled) previous run(s) (overlap: cancelPrevious)") }
        for name in firing.broken { log.error("schedule \(name) has a cron expression or time zone that does not parse; it fires no more") }
    }
}
