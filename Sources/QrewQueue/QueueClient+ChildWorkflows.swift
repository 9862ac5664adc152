import Foundation
import QrewCore
import QrewRedis

/// What `start_child` did with a child-workflow step.
public enum ChildWorkflowStart: String, Sendable, Hashable {
    /// The child run is stored; the step waits for it.
    case started
    /// The step ended failed (its child workflow could not be prepared, or the id was taken).
    case failed
    /// The lease was no longer held, or the run is being canceled: nothing started.
    case stale
}

extension QueueClient {
    /// The reserved queue of child-workflow steps, claimed by the leader's child workflow loop.
    public static let childWorkflowQueue = ChildWorkflow.placeholderQueue

    /// The id of the child run step task `ref` starts after `started` earlier ones (its field
    /// `childRuns`; a `qctl retry` of the parent starts another): `<run>.<task>`, then
    /// `<run>.<task>.2`, ... where `<task>` is the task id spelled as run ids allow: a matrix
    /// task `deploy[region=eu]` is `deploy.region-eu` (`[`, `,` → `.`, `=` → `-`, `]` dropped);
    /// any other character becomes `_`, with `.` and 8 hex digits of the task id's hash appended
    /// so that ids differing only there stay apart.
    public static func childRunID(of ref: TaskRef, started: Int) -> String {
        var task = ""
        var lossy = false
        for scalar in ref.taskID.unicodeScalars {
            switch scalar {
            case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": task.unicodeScalars.append(scalar)
            case "[", ",": task += "."
            case "=": task += "-"
            case "]": break
            default:
                task += "_"
                lossy = true
            }
        }
        if lossy {
            var hash: UInt32 = 2_166_136_261
            for byte in ref.taskID.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
            let hex = String(hash, radix: 16)
            task += "." + String(repeating: "0", count: 8 - hex.count) + hex
        }
        return "\(ref.runID).\(task)" + (started > 0 ? ".\(started + 1)" : "")
    }

    /// Starts the child run of a step leased from `childWorkflowQueue`: reads its child workflow
    /// (run field `childWorkflow:<step id>`), renders its `with:` (the claim carried the outputs it reads)
    /// into the child's params, prepares the child run with `intake` like a submission, and stores
    /// it with `start_child`; a child that cannot be prepared ends the step failed with the
    /// reason. When `intake` signs, the step's signature (over its spec and child workflow) is
    /// checked first: a refused step ends failed with the reason, and the child run is signed. Returns what `start_child` did and the child run id.
    public func startChildWorkflow(
        _ task: ClaimedTask, intake: RunIntake, fence: String
    ) async throws(QueueError) -> (ChildWorkflowStart, childRun: String) {
        let stepID = (try? TaskSpec(jsonText: task.spec))?.stepID ?? ""
        let replies = try await pipeline([
            ["HGET", .string(keys.run(task.ref.runID)), .string("childWorkflow:\(stepID)")],
            ["HGET", .string(keys.task(task.ref)), "childRuns"],
        ])
        let fieldText = replies.first?.string ?? ""
        let childRun = Self.childRunID(of: task.ref, started: replies.last?.string.flatMap { Int($0) } ?? 0)
        if let signer = intake.signer {
            do throws(SignatureRefusal) {
                try task.verifySignature(with: signer, as: .childWorkflow, attachment: fieldText)
            } catch {
                return (try await startChild(task, childRun: childRun, record: nil, error: error.description, fence: fence), childRun)
            }
        }
        switch Self.childRecord(task, childRun: childRun, fieldText: fieldText, intake: intake) {
        case .success(let record):
            return (try await startChild(task, childRun: childRun, record: record, error: nil, fence: fence), childRun)
        case .failure(let failure):
            return (try await startChild(task, childRun: childRun, record: nil, error: failure.message, fence: fence), childRun)
        }
    }

    /// The child run of a claimed child-workflow step whose child workflow is `fieldText` (JSON),
    /// or why there is none.
    static func childRecord(
        _ task: ClaimedTask, childRun: String, fieldText: String, intake: RunIntake
    ) -> Result<RunRecord, ChildWorkflowFailure> {
        guard let child = try? FoundationJSON.decode(ChildWorkflow.self, from: Data(fieldText.utf8)) else {
            return .failure(ChildWorkflowFailure(message: "child workflow: the step has no readable child workflow"))
        }
        guard RunIntake.isValidRunID(childRun) else {
            return .failure(ChildWorkflowFailure(message: "child run id '\(childRun)' is longer than 128 characters"))
        }
        let params: [String: String]
        do {
            params = try TaskSpec(jsonText: task.spec).rendered(outputs: task.outputs).with
        } catch {
            return .failure(ChildWorkflowFailure(message: "child workflow: 'with' could not be rendered: \(error)"))
        }
        do {
            let prepared = try intake.prepare(
                runID: childRun, text: child.text, fileName: child.fileName, params: params, files: child.files)
            return .success(prepared.record)
        } catch {
            let problems = error.problems.map(\.description).joined(separator: "\n")
            return .failure(ChildWorkflowFailure(message: "child workflow rejected:\n\(problems)"))
        }
    }

    /// Stores `record` as the child run of the step `task` (leased from `childWorkflowQueue`), or
    /// with `error` ends the step failed, in one `start_child` call. A replay changes nothing.
    public func startChild(
        _ task: ClaimedTask, childRun: String, record: RunRecord?, error: String?, fence: String
    ) async throws(QueueError) -> ChildWorkflowStart {
        var args: [RedisArgument] = [
            .string(fence), .string(task.ref.description), .string(task.token), .string(error ?? ""), .string(childRun),
            .string(record?.fields.jsonObjectText ?? "{}"), .string((record?.limits ?? [:]).mapValues(String.init).jsonObjectText),
        ]
        if error == nil, let record {
            args.reserveCapacity(args.count + record.tasks.count * TaskRecord.argumentCount)
            record.tasks.appendArguments(to: &args)
        }
        let reply = try await run(.startChild, args)
        guard let text = reply.string, let outcome = ChildWorkflowStart(rawValue: text) else {
            throw unexpected(.startChild, reply)
        }
        return outcome
    }

    /// Ends the steps whose child runs finished, up to `limit` child runs per call
    /// (`finish_children`). Returns how many child runs it took and how many steps it ended.
    public func finishChildren(limit: Int = 100, fence: String) async throws(QueueError) -> (taken: Int, ended: Int) {
        let reply = try await run(.finishChildren, [.string(fence), .int(limit)])
        guard let pair = reply.array, pair.count == 2, let taken = pair[0].int, let ended = pair[1].int else {
            throw unexpected(.finishChildren, reply)
        }
        return (taken, ended)
    }

    /// The state of each child run the snapshot's workflow steps started (task field `childRun`),
    /// by run id, in one round trip; `expired` for a child whose keys are gone.
    public func childRunStates(_ snapshot: RunSnapshot) async throws(QueueError) -> [String: String] {
        let children = snapshot.tasks.compactMap { $0["childRun"] }.filter { !$0.isEmpty }
        guard !children.isEmpty else { return [:] }
        let replies = try await pipeline(children.map { ["HGET", .string(keys.run($0)), "state"] })
        var states: [String: String] = [:]
        for (child, reply) in zip(children, replies) { states[child] = reply.string ?? "expired" }
        return states
    }
}

/// Why a child-workflow step could not start its child run; it ends failed with `message`.
struct ChildWorkflowFailure: Error {
    let message: String
}
