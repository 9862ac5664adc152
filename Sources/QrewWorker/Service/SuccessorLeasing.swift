import QrewQueue

/// How a worker's result committer asks `complete` for successors: up to one task per result,
/// leased in the same call for the slot that result frees (docs/protocol.md, *Successors*).
struct SuccessorLeasing: Sendable {
    /// The worker the successors are leased to.
    let worker: String
    /// Their lease length.
    let lease: Duration
    /// The worker's queues, in its order of preference.
    let queues: [String]
    /// False once the worker drains: then none are asked for, and any that arrive are handed back.
    let wanted: @Sendable () -> Bool

    /// The request for `most` successors.
    func request(most: Int) -> SuccessorRequest {
        SuccessorRequest(worker: worker, lease: lease, queues: queues, most: most)
    }
}
