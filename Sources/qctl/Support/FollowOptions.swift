import ArgumentParser
import QrewQueue

/// `--follow` / `--wait`, shared by the commands that start or restart a run, and what they do
/// once it is running.
struct FollowOptions: ParsableArguments {
    @Flag(help: "Show the live view until the run finishes; exit 0 only if it succeeds.")
    var follow = false

    @Flag(help: "Wait silently until the run finishes; exit 0 only if it succeeds.")
    var wait = false

    func validate() throws {
        if follow && wait { throw ValidationError("--follow and --wait cannot be combined") }
    }

    /// With `--follow` or `--wait`, follows `runID` from after stream entry `after` until it
    /// finishes and fails the command unless it succeeded; otherwise returns at once.
    func finish(_ runID: String, queue: QueueClient, after: String = "0", total: Int) async throws {
        guard follow || wait else { return }
        var view = RunView(mode: follow ? RunView.standardMode() : .silent, total: total)
        var follower = RunFollower(queue: queue, runID: runID, after: after)
        follower.estimateEvery = follow ? .seconds(5) : nil
        follower.outcomeOnly = !follow
        let state = try await follower.follow(updates: { update in
            switch update {
            case .event(let entry): view.handle(entry)
            case .eta(let estimate, let now): view.show(estimate, now: now)
            }
        })
        view.close()
        if state != "succeeded" { throw ExitCode.failure }
    }
}
