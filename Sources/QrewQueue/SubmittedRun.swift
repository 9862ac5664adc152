/// What `submit_run` did with a run.
public struct SubmittedRun: Sendable, Hashable {
    /// A shared pool whose size a submission changed (the latest submission wins).
    public struct PoolResize: Sendable, Hashable {
        public let pool: String
        public let previousSize: Int
        public let size: Int

        public init(pool: String, previousSize: Int, size: Int) {
            self.pool = pool
            self.previousSize = previousSize
            self.size = size
        }
    }

    /// False when the run id existed already.
    public let created: Bool
    /// Existing pools whose size this submission changed; every run of the namespace shares them.
    public let resizedPools: [PoolResize]
    /// For a run id that existed with only part of its tasks stored (its coordinator stopped
    /// part-way), how many were stored when this submission went on storing the rest.
    public let resumedAt: Int?
}
