import Synchronization

/// How a job cut into independent pieces runs: one piece after another on the caller's thread
/// (`serial`, what QrewCore uses unless told otherwise: it starts no threads itself), or on
/// several cores at once (QrewQueue's `allCores`, which the coordinator's intake uses). Loading
/// and planning a big workflow cut its parse, its steps' decoding and its tasks' planning into
/// pieces (`YAMLComposer`, `WorkflowDecoder`, `TaskGraph`).
public struct PieceRunner: Sendable {
    /// How many pieces a job is worth cutting into: the cores the runner uses (1 for `serial`).
    public let width: Int
    private let perform: @Sendable (Int, @Sendable (Int) -> Void) -> Void

    /// A runner that calls `perform(count, piece)` to run `piece(0)` … `piece(count - 1)`, each
    /// exactly once, in any order and on any threads, returning when all have run.
    public init(width: Int, perform: @escaping @Sendable (Int, @Sendable (Int) -> Void) -> Void) {
        self.width = max(1, width)
        self.perform = perform
    }

    /// Every piece in order, on the caller's thread.
    public static let serial = PieceRunner(width: 1) { count, piece in
        for index in 0..<count { piece(index) }
    }

    /// `transform(0)` … `transform(count - 1)`, in index order, computed by the runner. A result
    /// the runner failed to deliver is computed here, so the answer never depends on it.
    public func map<T: Sendable>(_ count: Int, _ transform: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 1, width > 1 else { return (0..<count).map(transform) }
        let results = Mutex([T?](repeating: nil, count: count))
        perform(count) { index in
            let result = transform(index)
            results.withLock { $0[index] = result }
        }
        return results.withLock { $0 }.enumerated().map { index, result in result ?? transform(index) }
    }
}
