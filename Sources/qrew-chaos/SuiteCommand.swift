import ArgumentParser
import Foundation
import QrewCore
import QrewLocalCluster

/// `qrew-chaos [suite]`: runs a real local cluster under injected faults and checks that nothing
/// was lost, doubled or run out of order (see docs/operations.md, "Chaos suite").
struct SuiteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "suite",
        abstract: "Run workflows on a local cluster while killing, freezing, partitioning and restarting its processes; verify the results.",
        discussion: """
            Starts redis-server (AOF, appendfsync everysec), coordinators and workers as child processes, submits \
            seeded DAG workflows (some with a dynamic fan-out) and registers schedules firing while it SIGKILLs workers and coordinators (and restarts them), SIGSTOPs a worker \
            past its lease and the leading coordinator past the leader lease, cuts workers off from Redis through \
            a black-holing proxy, and restarts Redis. Then it checks Redis state, the run streams and the steps' \
            side-effect files (and that every due schedule tick made exactly one run) and prints one counts line. Exit 0 only if every run succeeded and pool_violations, \
            lost, doubled, order_violations and unfinished are 0.
            """)

    @Option(help: "Seed for the workflows and the fault schedule (default: random, printed).")
    var seed: UInt64?

    @Option(help: "Runs to submit.")
    var runs: Int = 60

    @Option(help: "Schedules to register, each firing a workflow every minute (its first tick made due during the window).")
    var schedules: Int = 3

    @Option(help: "Fault-injection window, e.g. 90s.")
    var duration: String = "90s"

    @Option(help: "Mean time between two faults.")
    var killInterval: String = "5s"

    @Option(help: "Worker lease (a frozen worker is held 1.5 to 2.5 leases).")
    var lease: String = "3s"

    @Option(help: "Workers.")
    var workers: Int = 3

    @Option(help: "Coordinators (one leads, the others stand by).")
    var coordinators: Int = 2

    @Option(help: "Workers that reach Redis through the partition proxy, cut off from it now and then (0: no partitions).")
    var partitionWorkers: Int = 1

    @Option(help: "Slots per worker.")
    var workerConcurrency: Int = 4

    @Option(help: "Longest wait after the window for every run to finish.")
    var settle: String = "120s"

    @Flag(help: "Keep the temporary directory (logs, side effects, AOF) even when everything passed.")
    var keep = false

    @Option(help: "Directory holding qrew-coordinator and qrew-worker (default: this executable's directory).")
    var binDir: String?

    @Flag(help: "Run with Redis ACL roles: Redis loads `qctl acl`'s file, coordinators log in as qrew-coordinator and workers as qrew-worker (docs/security.md).")
    var acl = false
    @Flag(help: "Sign tasks: coordinators and workers get a fresh signing key file (docs/security.md, Signed tasks).")
    var signing = false

    func validate() throws {
        guard (1...10_000).contains(runs) else { throw ValidationError("--runs must be 1 to 10000") }
        guard (0...50).contains(schedules) else { throw ValidationError("--schedules must be 0 to 50") }
        guard (1...32).contains(workers) else { throw ValidationError("--workers must be 1 to 32") }
        guard (1...8).contains(coordinators) else { throw ValidationError("--coordinators must be 1 to 8") }
        guard (0...workers).contains(partitionWorkers) else { throw ValidationError("--partition-workers must be 0 to --workers") }
        guard (1...256).contains(workerConcurrency) else { throw ValidationError("--worker-concurrency must be 1 to 256") }
        _ = try settings()
    }

    func run() async throws {
        let status = await ChaosSuite(settings: try settings()).run()
        if status != 0 { throw ExitCode(status) }
    }

    private func settings() throws -> ChaosSettings {
        ChaosSettings(
            seed: seed ?? UInt64.random(in: 1...999_999),
            runs: runs,
            schedules: schedules,
            duration: try Self.duration(duration, "--duration", minimum: .seconds(1)),
            killInterval: try Self.duration(killInterval, "--kill-interval", minimum: .milliseconds(200)),
            lease: try Self.duration(lease, "--lease", minimum: .seconds(1)),
            workers: workers,
            partitionWorkers: partitionWorkers,
            coordinators: coordinators,
            workerConcurrency: workerConcurrency,
            settle: try Self.duration(settle, "--settle", minimum: .seconds(1)),
            keep: keep,
            binDirectory: binDir ?? LocalCluster.executableDirectory,
            aclRoles: acl, signing: signing)
    }

    static func duration(_ text: String, _ option: String, minimum: Duration) throws -> Duration {
        let value: Duration
        do {
            value = try DurationParser.parse(text)
        } catch {
            throw ValidationError("\(option): '\(text)' is not a duration; write e.g. 500ms, 20s or 2m")
        }
        guard value >= minimum else { throw ValidationError("\(option) must be at least \(minimum)") }
        return value
    }
}
