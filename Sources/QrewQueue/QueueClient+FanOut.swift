import QrewCore
import QrewRedis

/// What `expand_task` did with a dynamic fan-out's placeholder.
public enum FanOutExpansion: String, Sendable, Hashable {
    /// Children stored (or none: the join ended succeeded with output `[]`).
    case expanded
    /// The placeholder ended failed with the error given (its list was unusable).
    case failed
    /// The lease was no longer held (already expanded, ended, canceled or leased again): nothing changed.
    case stale
    /// The run is still being stored in slices; expand again shortly.
    case later
}

/// Why a placeholder could not expand; it ends failed with `message`.
struct FanOutFailure: Error {
    let message: String
}

extension QueueClient {
    /// The reserved queue of dynamic fan-out placeholders, claimed by the leader's fan-out loop.
    public static let fanOutQueue = DynamicMatrix.placeholderQueue

    /// Expands a placeholder leased from `fanOutQueue`: reads its plan (task field `fanOut`) and
    /// the source step's output (which the claim carried), makes one task per element of that
    /// JSON array (at most `limit`), and stores them with `expandTask`; an output that is not a
    /// JSON array, or is longer than `limit`, ends the placeholder failed with the reason.
    /// With `signer`, the placeholder's signature (over its spec, plan and the child workflow its
    /// tasks start, if any) is checked first (a refused one ends failed with the reason) and its
    /// tasks are signed over what was checked.
    /// Returns what `expand_task` did and how many tasks it was given.
    public func expandFanOut(
        _ task: ClaimedTask, limit: Int, signer: TaskSigner? = nil, fence: String
    ) async throws(QueueError) -> (FanOutExpansion, tasks: Int) {
        let planText: String
        var childWorkflow = ""
        if let signer {
            // The step's child workflow (run field; absent for other steps) is signed with the placeholder.
            let stepID = (try? TaskSpec(jsonText: task.spec))?.stepID ?? ""
            let replies = try await pipeline([
                ["HGET", .string(keys.task(task.ref)), "fanOut"],
                ["HGET", .string(keys.run(task.ref.runID)), .string("childWorkflow:\(stepID)")],
            ])
            planText = replies.first?.string ?? ""
            childWorkflow = replies.last?.string ?? ""
            do throws(SignatureRefusal) {
                try task.verifySignature(
                    with: signer, as: .fanOut, attachment: SignedTask.fanOutAttachment(plan: planText, childWorkflow: childWorkflow))
            } catch {
                return (try await expandTask(task, children: [], error: error.description, fence: fence), 0)
            }
        } else {
            do {
                planText = try await redis.send("HGET", .string(keys.task(task.ref)), "fanOut").string ?? ""
            } catch {
                throw QueueError(error)
            }
        }
        switch Self.fanOutChildren(task, planText: planText, limit: limit) {
        case .success(let unsigned):
            let children = signer.map { signer in
                unsigned.map { $0.signed(by: signer, runID: task.ref.runID, childWorkflow: { _ in childWorkflow }) }
            } ?? unsigned
            return (try await expandTask(task, children: children, fence: fence), children.count)
        case .failure(let reason):
            return (try await expandTask(task, children: [], error: reason.message, fence: fence), 0)
        }
    }

    /// The tasks of a claimed placeholder with plan `planText`, or why there are none.
    static func fanOutChildren(_ task: ClaimedTask, planText: String, limit: Int) -> Result<[TaskRecord], FanOutFailure> {
        guard let plan = FanOutPlan(jsonText: planText) else {
            return .failure(FanOutFailure(message: "dynamic matrix: the placeholder has no readable plan"))
        }
        do {
            let elements = try DynamicMatrix.elements(of: task.outputs[plan.source] ?? "", limit: limit)
            let spec = try TaskSpec(jsonText: task.spec)
            return .success(try plan.children(stepID: spec.stepID, spec: spec, elements: elements))
        } catch {
            return .failure(FanOutFailure(message: "\(error)"))
        }
    }

    /// Expands the placeholder `task` (leased from `fanOutQueue`) into `children` (ready tasks
    /// with no dependencies or dependents, each with the field `join` = the placeholder's id), or
    /// with `error` ends it failed, in one `expand_task` call. A replay changes nothing.
    public func expandTask(
        _ task: ClaimedTask, children: [TaskRecord], error: String? = nil, fence: String
    ) async throws(QueueError) -> FanOutExpansion {
        var args: [RedisArgument] = [.string(fence), .string(task.ref.description), .string(task.token), .string(error ?? "")]
        args.reserveCapacity(args.count + children.count * TaskRecord.argumentCount)
        if error == nil { children.appendArguments(to: &args) }
        let reply = try await run(.expandTask, args)
        guard let text = reply.string, let outcome = FanOutExpansion(rawValue: text) else {
            throw unexpected(.expandTask, reply)
        }
        return outcome
    }
}
