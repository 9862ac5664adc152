import QrewCore
import QrewQueue

extension TaskRunner {
    /// Looks a task whose step has `cache` up in the result cache, in one call that also
    /// records it succeeded on a hit (`complete_from_cache`). Returns true when nothing is left
    /// to run: a hit, or a lease no longer held. A miss, or Redis failing, runs the task (the
    /// cache only ever saves work; it never stops a task from running).
    func settledFromCache(_ claimed: ClaimedTask, _ rendered: TaskSpec) async -> Bool {
        guard let lookup = CacheLookup(rendered: rendered, outputs: claimed.outputs) else { return false }
        do {
            let result = try await queue.completeFromCache(
                claimed, lookup: lookup, stepType: rendered.type, maxEntries: configuration.cacheMaxEntries)
            outage.succeeded()
            switch result {
            case .hit(let key, let score, let source):
                metrics.completedFromCache(claimed)
                let similarity = score.map { ", similarity \($0)" } ?? ""
                logger.info("\(claimed.ref) completed from the result cache (entry \(key.prefix(12)) of \(source)\(similarity))")
                return true
            case .miss:
                return false
            case .stale:
                logger.warning("\(claimed.ref) not run: its lease is no longer held")
                return true
            }
        } catch {
            outage.failed(error, during: "looking up \(claimed.ref) in the result cache", running: tasks.count)
            logger.warning("\(claimed.ref) runs without the result cache: the lookup failed")
            return false
        }
    }
}
