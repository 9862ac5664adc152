import Foundation
import QrewCore

extension PieceRunner {
    /// Runs the pieces on all the machine's cores (`DispatchQueue.concurrentPerform`); one core
    /// runs them in order on the caller's thread.
    public static let allCores = PieceRunner(width: ProcessInfo.processInfo.activeProcessorCount) { count, piece in
        DispatchQueue.concurrentPerform(iterations: count, execute: piece)
    }
}

extension Collection where Self: Sendable, Index == Int {
    /// `transform` of every element, in order; on all cores when there are at least 1,000 (a big
    /// run's task records and their signatures, a few microseconds each).
    func parallelMap<T: Sendable>(_ transform: @escaping @Sendable (Element) -> T) -> [T] {
        let runner = PieceRunner.allCores
        let parts = count < 1000 ? 1 : runner.width
        guard parts > 1 else { return map(transform) }
        let size = (count + parts - 1) / parts
        return runner.map(parts) { part in
            let lower = startIndex + Swift.min(count, part * size), upper = startIndex + Swift.min(count, (part + 1) * size)
            return self[lower..<upper].map(transform)
        }.flatMap { $0 }
    }
}
