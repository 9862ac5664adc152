import Foundation
import Synchronization

extension Collection where Self: Sendable, Index == Int {
    /// `transform` of every element, in order; on all cores when there are at least 1,000 (a big
    /// run's task records and their signatures, a few microseconds each).
    func parallelMap<T: Sendable>(_ transform: @escaping @Sendable (Element) -> T) -> [T] {
        let parts = count < 1000 ? 1 : Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        guard parts > 1 else { return map(transform) }
        let size = (count + parts - 1) / parts
        let results = Mutex([[T]](repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let lower = startIndex + Swift.min(count, part * size), upper = startIndex + Swift.min(count, (part + 1) * size)
            let built = self[lower..<upper].map(transform)
            results.withLock { $0[part] = built }
        }
        return results.withLock { $0.flatMap { $0 } }
    }
}
