import QrewCore

extension RunRecord {
    /// The record with every task signed (task field `sig`): workers and the leader's loops
    /// check it before anything is run or built from the task. A child-workflow step's signature
    /// covers its child workflow (this record's run field `childWorkflow:<step id>`).
    /// A big run is signed on all cores (one HMAC per task, a few microseconds each).
    public func signed(by signer: TaskSigner) -> RunRecord {
        let fields = fields, runID = runID
        let signed = tasks.parallelMap { $0.signed(by: signer, runID: runID, runFields: fields) }
        return RunRecord(runID: runID, fields: fields, limits: limits, tasks: signed)
    }
}

extension TaskRecord {
    /// The record signed as a task of run `runID` whose run hash has `runFields` (a
    /// child-workflow step's child workflow is its field `childWorkflow:<step id>`).
    func signed(by signer: TaskSigner, runID: String, runFields: [String: String]) -> TaskRecord {
        signed(by: signer, runID: runID, childWorkflow: { runFields["childWorkflow:\($0)"] ?? "" })
    }

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
