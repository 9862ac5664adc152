extension RunRecord {
    /// This record with `trace` on its run hash (`traceId`, `traceFlags`; `RunTrace.runFields`),
    /// as every way of storing a run gives it one.
    public func traced(_ trace: RunTrace) -> RunRecord {
        RunRecord(runID: runID, fields: fields.merging(trace.runFields) { _, trace in trace }, limits: limits, tasks: tasks)
    }
}

extension RunStorage {
    /// This storage with `trace` on its run hash, as `RunRecord.traced` gives it.
    public func traced(_ trace: RunTrace) -> RunStorage { merging(fields: trace.runFields) }
}
