import ArgumentParser
import QrewInspect
import Foundation
import QrewCore
import QrewQueue

/// The steps of submitting a workflow shared by `submit` and `dev`: validate locally (nothing
/// reaches Redis from a bad file; `submit` leaves a big file to the coordinator, whose
/// problems come back as a rejected run), queue it, and wait until a coordinator stored
/// the run; or, with `--direct`, store it directly.
enum Submission {
    /// The file's text and workflow, or every problem printed as `validate` prints them.
    static func validated(_ options: WorkflowOptions) throws -> (text: String, workflow: Workflow) {
        do {
            return try options.checkForSubmission()
        } catch {
            throw ProblemReport.fail(error, file: options.file)
        }
    }

    /// The file's text and the name its run id is made from (`WorkflowOptions.textForSubmission`:
    /// a text under `coordinatorChecksFrom` bytes is checked here, with every problem printed as
    /// `validate` prints them; a bigger one is checked by the coordinator alone).
    static func textAndName(_ options: WorkflowOptions) throws -> (text: String, name: String) {
        do {
            return try options.textForSubmission()
        } catch {
            throw ProblemReport.fail(error, file: options.file)
        }
    }

    /// Queues the workflow and waits (polling every 20 ms, up to `timeout`) until a coordinator
    /// stored the run; returns its fields. A run the coordinator rejected fails with its error.
    static func submit(
        _ options: WorkflowOptions, text: String, runID: String, traceparent: String? = nil, queue: QueueClient,
        redis: RedisOptions, timeout: Duration = .seconds(10)
    ) async throws -> [String: String] {
        _ = try await queue.enqueueSubmission(
            runID: runID, fileName: options.file, workflow: text, params: options.overrides, files: options.includedFiles(text: text),
            traceparent: traceparent)
        return try await awaitStored(runID, queue: queue, redis: redis, timeout: timeout)
    }

    /// Queues the workflow under idempotency key `key` unless a submission with that key was
    /// queued within `retention`, then waits as `submit` does for the run the key stands for;
    /// returns that run's id (the existing one for a repeated key) and fields.
    static func submitIdempotent(
        _ options: WorkflowOptions, text: String, runID: String, key: String, retention: Duration,
        traceparent: String? = nil, queue: QueueClient, redis: RedisOptions, timeout: Duration
    ) async throws -> (runID: String, fields: [String: String]) {
        let outcome = try await queue.enqueueIdempotentSubmission(
            key: key, retention: retention, runID: runID, fileName: options.file, workflow: text, params: options.overrides,
            files: options.includedFiles(text: text), traceparent: traceparent)
        return (outcome.runID, try await awaitStored(outcome.runID, queue: queue, redis: redis, timeout: timeout))
    }

    /// Prepares the workflow as a coordinator would (`RunIntake` with its default limits and
    /// retention, the tasks signed with `signer`) and stores it directly
    /// (`QueueClient.submitDirectly`): no coordinator hop, no polling, the file parsed and
    /// decomposed once. `runID` nil: the default `<name>-<time>-<hex>`. Returns the run id and its
    /// task count; an id already taken stores nothing, and that run is followed as it is, as
    /// through a coordinator.
    static func submitDirectly(
        _ options: WorkflowOptions, runID: String?, signer: TaskSigner?, traceparent: String?, queue: QueueClient
    ) async throws -> (runID: String, total: Int) {
        var intake = RunIntake()
        intake.signer = signer
        let prepared: RunIntake.PreparedRun
        do throws(WorkflowValidationError) {
            let text = try options.readText()
            prepared = try intake.prepare(
                text: text, fileName: options.file, params: options.overrides, files: options.includedFiles(text: text)
            ) { workflow in runID ?? RunID.generate(workflowName: workflow.name) }
        } catch {
            throw ProblemReport.fail(error, file: options.file)
        }
        let id = prepared.record.runID
        let count = prepared.record.tasks.count
        let trace = try traceparent.map { text throws(RunTraceError) in try RunTrace(parent: text) } ?? .new()
        let stored: SubmittedRun
        do {
            stored = try await queue.submitDirectly(prepared.record.traced(trace))
        } catch {
            switch error {
            case .tooBigForDirectSubmission(_, let limit):
                throw CommandFailure("""
                    \(options.file) makes \(count) tasks; --direct stores at most \(limit) (one call, so no coordinator \
                    has to resume it): submit it without --direct, and the coordinators store it in slices
                    """)
            case _ where error.isPermissionDenied:
                throw CommandFailure("""
                    --direct needs the qrew-coordinator role (it writes run and task hashes and queues), which this Redis user \
                    lacks: nothing was stored. Submit without --direct to go through the coordinators (docs/security.md, \
                    Direct submission). Redis said: \(error)
                    """)
            default:
                throw error
            }
        }
        for resize in stored.resizedPools {
            Console.error("run \(id) resized pool '\(resize.pool)' from \(resize.previousSize) to \(resize.size) (every run shares it)")
        }
        guard stored.created else {
            Console.error("run \(id) already exists; nothing was stored")
            let existing = try await queue.runFields(id)
            return (id, existing.flatMap { Int($0["total"] ?? "") } ?? count)
        }
        return (id, count)
    }

    /// Waits, up to `timeout`, until a coordinator stored run `runID`; its fields. Between reads
    /// of the run hash it blocks on the run's progress stream, whose first entry (`run_queued`,
    /// or `run_finished` of a rejected run) the coordinator writes in the call that stores it, so
    /// the wait ends at once instead of at the next poll.
    private static func awaitStored(
        _ runID: String, queue: QueueClient, redis: RedisOptions, timeout: Duration
    ) async throws -> [String: String] {
        let deadline = ContinuousClock.now + timeout
        var sawEvents = false
        while ContinuousClock.now < deadline {
            if let fields = try await queue.runFields(runID) {
                if fields["state"] == "failed", let error = fields["error"], !error.isEmpty {
                    throw CommandFailure("the coordinator rejected run \(runID):\n\(error)")
                }
                return fields
            }
            let left = deadline - ContinuousClock.now
            guard left > .zero else { break }
            let events = try await queue.followRunEvents(runID, after: "0", block: min(left, .milliseconds(500)))
            // Events without a run hash (left over from an expired run of the same id): poll.
            if !events.isEmpty {
                if sawEvents { try await Task.sleep(for: .milliseconds(20)) }
                sawEvents = true
            }
        }
        throw CommandFailure("""
            no coordinator seems to be running for namespace '\(redis.resolvedNamespace)' on \(redis.displayURL): \
            run \(runID) was not picked up within \(timeout). The submission stays queued and runs when a \
            coordinator starts (qrew-coordinator --redis URL --namespace \(redis.resolvedNamespace)).
            """)
    }
}
