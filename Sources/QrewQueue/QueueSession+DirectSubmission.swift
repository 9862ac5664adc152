import QrewRedis

extension QueueSession {
    /// Stores a run its producer prepared itself (`RunIntake.prepare`, with the coordinators'
    /// limits and, when workers check signatures, their signing key) with one `submit_run` call
    /// and no leader fence: its dependency-free tasks are queued one Redis round trip after the
    /// call, without the hop through `P:submissions` and a coordinator's intake. It needs the
    /// rights of `qrew-coordinator` (docs/security.md, *Direct submission*). A run id already
    /// stored changes nothing (`created` is false), as through the intake.
    ///
    /// - Throws: `QueueError.tooBigForDirectSubmission` for a run of more than
    ///   `RunRecord.defaultSlice` tasks, with nothing stored: a run stored in slices is resumed by
    ///   the next leader if its coordinator stops part-way, which a producer's own process is not,
    ///   so submit it through the coordinators (`QueueClient.enqueueSubmission`).
    public func submitDirectly(_ record: RunRecord) throws(QueueError) -> SubmittedRun {
        guard record.fitsDirectSubmission else {
            throw .tooBigForDirectSubmission(tasks: record.tasks.count, limit: RunRecord.defaultSlice)
        }
        return try submitRun(record, fence: "", slice: RunRecord.defaultSlice)
    }
}

extension RunRecord {
    /// Whether `submitDirectly` takes this run: at most one slice (`defaultSlice`) of tasks.
    public var fitsDirectSubmission: Bool { tasks.count <= RunRecord.defaultSlice }
}

extension QueueClient {
    /// Stores a run its producer prepared itself, on a pooled connection (`QueueSession.submitDirectly`).
    public func submitDirectly(_ record: RunRecord) async throws(QueueError) -> SubmittedRun {
        try await session { session throws(QueueError) in try session.submitDirectly(record) }
    }

    /// A session on a connection the caller owns and uses from one thread: for a synchronous
    /// client (the benchmark's latency probe) that makes protocol calls without a thread hop.
    public func session(on connection: RedisConnection) -> QueueSession {
        QueueSession(queue: self, connection: connection)
    }
}
