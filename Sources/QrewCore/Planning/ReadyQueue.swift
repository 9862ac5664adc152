/// A binary max-heap of task indices ordered by priority (higher first), then id (lower first):
/// the order in which a coordinator hands out ready tasks.
struct ReadyQueue {
    private var heap: [Int] = []
    private let priorities: [Int]
    private let ids: [String]

    init(priorities: [Int], ids: [String]) {
        self.priorities = priorities
        self.ids = ids
    }

    var isEmpty: Bool { heap.isEmpty }

    /// Whether task `lhs` should run before task `rhs`.
    func runsBefore(_ lhs: Int, _ rhs: Int) -> Bool {
        if priorities[lhs] != priorities[rhs] { return priorities[lhs] > priorities[rhs] }
        return ids[lhs] < ids[rhs]
    }

    mutating func push(_ task: Int) {
        heap.append(task)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard runsBefore(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() -> Int? {
        guard let top = heap.first else { return nil }
        let last = heap.removeLast()
        guard !heap.isEmpty else { return top }
        heap[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var best = parent
            if left < heap.count, runsBefore(heap[left], heap[best]) { best = left }
            if right < heap.count, runsBefore(heap[right], heap[best]) { best = right }
            if best == parent { break }
            heap.swapAt(parent, best)
            parent = best
        }
        return top
    }
}
