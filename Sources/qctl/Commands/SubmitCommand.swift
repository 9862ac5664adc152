import QrewInspect
import ArgumentParser
import Foundation
import QrewCore
import QrewQueue

/// `qctl submit FILE`: validates locally (a big file is left to the coordinator,
/// `WorkflowOptions.coordinatorChecksFrom`), queues the workflow, waits until a coordinator
/// stored the run and prints its id (`--direct`: stores the run itself); `--follow` then shows
/// it live, `--wait` waits silently.
struct SubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        _superCommandName: "qctl",
        abstract: "Validate a workflow and queue it as a new run.",
        discussion: """
            With --follow or --wait the exit status is 0 only if the run succeeded. A file of \
            \(WorkflowOptions.coordinatorChecksFrom / 1024) KiB or more is parsed once, by the coordinator: its problems \
            come back as a rejected run (exit status 1), and `qctl validate FILE` checks it without a cluster.
            """)

    @OptionGroup var workflow: WorkflowOptions
    @OptionGroup var redis: RedisOptions

    @Option(help: ArgumentHelp("Run id (letters, digits, -_.; default: <name>-<yyyyMMdd-HHmmss>-<hex>).", valueName: "id"))
    var runID: String?

    @Option(help: ArgumentHelp(
        "Submit at most once per key: a repeated submission with the same key within --idempotency-window prints the first run's id and queues nothing.",
        valueName: "key"))
    var idempotencyKey: String?

    @Option(help: ArgumentHelp("How long an --idempotency-key is remembered.", valueName: "duration"))
    var idempotencyWindow = "24h"

    @Option(help: ArgumentHelp(
        "A W3C trace context parent (e.g. $TRACEPARENT of the calling job) the run joins: its tasks' spans go in that trace "
            + "(default: a new trace per run).",
        valueName: "00-<trace id>-<parent id>-<flags>"))
    var traceparent: String?

    @OptionGroup var following: FollowOptions

    @Flag(help: "Print {\"id\": ...} instead of the bare run id.")
    var json = false

    @Option(help: ArgumentHelp("How long to wait for a coordinator to pick the run up.", valueName: "duration"))
    var pickupTimeout = "10s"

    @Flag(help: ArgumentHelp(
        "Store the run directly instead of queuing it for a coordinator: the file is parsed once and the run starts without "
            + "a coordinator's hop. Needs the qrew-coordinator role and, when workers check signatures, the signing key; "
            + "runs of at most 1000 tasks (docs/protocol.md, Direct submission)."))
    var direct = false

    @Option(help: ArgumentHelp(
        "With --direct: sign the tasks with this key file, as the coordinators do (default: $QREW_SIGNING_KEY_FILE).",
        valueName: "file"))
    var signingKeyFile: String?

    func validate() throws {
        if let runID, !RunID.isValid(runID) {
            throw ValidationError("--run-id '\(runID)': use letters, digits, '-', '_' and '.', at most 128 characters")
        }
        if following.follow && json { throw ValidationError("--json cannot be combined with --follow (the live view is text)") }
        _ = try parsedPickupTimeout()
        if let idempotencyKey, idempotencyKey.isEmpty || idempotencyKey.utf8.count > 256 {
            throw ValidationError("--idempotency-key: use 1 to 256 bytes, e.g. a request id or 'nightly-2026-12-05'")
        }
        _ = try parsedIdempotencyWindow()
        if direct, idempotencyKey != nil {
            throw ValidationError(
                "--direct cannot be combined with --idempotency-key (the key is kept by the coordinators' intake); "
                    + "a fixed --run-id makes a direct submission idempotent")
        }
        if signingKeyFile != nil, !direct {
            throw ValidationError("--signing-key-file is for --direct: without it the coordinators sign the tasks with their own key")
        }
        if let traceparent {
            do {
                _ = try RunTrace(parent: traceparent)
            } catch {
                throw ValidationError("--traceparent: \(error)")
            }
        }
    }

    private func parsedIdempotencyWindow() throws -> Duration {
        guard let window = try? DurationParser.parse(idempotencyWindow), window >= .seconds(1), window <= NumericBounds.longestDuration else {
            throw ValidationError("--idempotency-window: '\(idempotencyWindow)' is not a duration between 1s and 365d; write e.g. 24h")
        }
        return window
    }

    private func parsedPickupTimeout() throws -> Duration {
        do {
            return try DurationParser.parse(pickupTimeout)
        } catch {
            throw ValidationError("--pickup-timeout: '\(pickupTimeout)' is not a duration; write e.g. 10s")
        }
    }

    func run() async throws {
        if direct { return try await runDirectly() }
        let (text, name) = try Submission.textAndName(workflow)
        let proposedID = runID ?? RunID.generate(workflowName: name)
        let timeout = try parsedPickupTimeout()
        let window = try parsedIdempotencyWindow()
        try await redis.withQueue { queue in
            let id: String
            let fields: [String: String]
            if let idempotencyKey {
                (id, fields) = try await Submission.submitIdempotent(
                    workflow, text: text, runID: proposedID, key: idempotencyKey, retention: window,
                    traceparent: traceparent, queue: queue, redis: redis, timeout: timeout)
            } else {
                id = proposedID
                fields = try await Submission.submit(
                    workflow, text: text, runID: id, traceparent: traceparent, queue: queue, redis: redis, timeout: timeout)
            }
            if json {
                try Console.json(["id": id])
            } else {
                Console.out(id)
            }
            try await following.finish(id, queue: queue, total: Int(fields["total"] ?? "") ?? 0)
        }
    }

    /// `--direct`: stores the run itself (`Submission.submitDirectly`), then prints and follows it.
    private func runDirectly() async throws {
        let signer: TaskSigner?
        do {
            signer = try SigningKeyFile.signer(
                flag: signingKeyFile, environment: ProcessInfo.processInfo.environment, namespace: redis.resolvedNamespace)
        } catch {
            throw CommandFailure("--signing-key-file: \(error)")
        }
        try await redis.withQueue { queue in
            let (id, total) = try await Submission.submitDirectly(
                workflow, runID: runID, signer: signer, traceparent: traceparent, queue: queue)
            if json {
                try Console.json(["id": id])
            } else {
                Console.out(id)
            }
            try await following.finish(id, queue: queue, total: total)
        }
    }
}
