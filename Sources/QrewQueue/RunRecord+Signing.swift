import Foundation
import QrewCore
import Synchronization

extension RunRecord {
    /// The record with every task signed (task field `sig`): workers and the leader's loops
    /// check it before anything is run or built from the task. A child-workflow step's signature
    /// covers its child workflow (this record's run field `childWorkflow:<step id>`).
    /// A big run is signed on all cores (one HMAC per task, a few microseconds each): intake
    /// holds up the run's first task while it lasts, as `RunRecordBuilder` does for building.
    public func signed(by signer: TaskSigner) -> RunRecord {
        let fields = fields, runID = runID, tasks = tasks
        let sign = { @Sendable (task: TaskRecord) in
            task.signed(by: signer, runID: runID, childWorkflow: { fields["childWorkflow:\($0)"] ?? "" })
        }
        let parts = tasks.count < 1000 ? 1 : max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard parts > 1 else { return RunRecord(runID: runID, fields: fields, limits: limits, tasks: tasks.map(sign)) }
        let size = (tasks.count + parts - 1) / parts
        let results = Mutex([[TaskRecord]](repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let signed = tasks[min(tasks.count, part * size)..<min(tasks.count, (part + 1) * size)].map(sign)
            results.withLock { $0[part] = signed }
        }
        return RunRecord(runID: runID, fields: fields, limits: limits, tasks: results.withLock { $0.flatMap { $0 } })
    }
}

extension TaskRecord {
    /// The record with its signature (field `sig`) set: its kind follows from its queue; a fan-out placeholder's
    /// signature covers its plan (field `fanOut`) and the child workflow of its step
    /// (`childWorkflow(stepID)`, "" for other steps), a child-workflow step's that child workflow.
    func signed(by signer: TaskSigner, runID: String, childWorkflow: (String) -> String) -> TaskRecord {
        let kind = SignedTaskKind(queue: queue)
        let attachment = switch kind {
        case .task: ""
        case .fanOut: SignedTask.fanOutAttachment(plan: fields["fanOut"] ?? "", childWorkflow: childWorkflow(step))
        case .childWorkflow: childWorkflow(step)
        }
        return TaskRecord(
            id: id, step: step, queue: queue, priority: priority, deps: deps, dependents: dependents, limits: limits,
            refs: refs, spec: spec, maxAttempts: maxAttempts, continueOnError: continueOnError, lostRetry: lostRetry,
            fields: fields, signature: signer.signature(kind, runID: runID, taskID: id, spec: spec, attachment: attachment))
    }
}

extension ClaimedTask {
    /// Checks the signature the claim carried against this task, as a `kind` task with
    /// `attachment` (a placeholder's plan or child workflow); throws why it is refused.
    public func verifySignature(with signer: TaskSigner, as kind: SignedTaskKind = .task, attachment: String = "") throws(SignatureRefusal) {
        try signer.verify(signature, kind, runID: ref.runID, taskID: ref.taskID, spec: spec, attachment: attachment)
    }
}
