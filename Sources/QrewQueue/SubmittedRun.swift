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

    /// False when the run id existed already (nothing changed).
    public let created: Bool
    /// Existing pools whose size this submission changed; every run of the namespace shares them.
    public let resizedPools: [PoolResize]
}
