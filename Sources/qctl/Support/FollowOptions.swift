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
        let state = try await RunFollower(queue: queue, runID: runID, after: after).follow { view.handle($0) }
        view.close()
        if state != "succeeded" { throw ExitCode.failure }
    }
}
