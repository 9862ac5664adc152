import Logging
import QrewQueue

extension QueueClient {
    /// Hands back tasks leased to a worker that will not run them (a claim or successors that
    /// arrived as it began draining, or that no longer fit its slots); a task that cannot be handed
    /// back is logged, and runs again once its lease expires.
    func handBack(_ tasks: some Sequence<ClaimedTask>, logger: Logger) async {
        for task in tasks where (try? await handBack(task)) != true {
            logger.warning("could not hand back \(task.ref); it runs again once its lease expires")
        }
    }
}
