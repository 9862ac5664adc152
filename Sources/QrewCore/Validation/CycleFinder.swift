/// Finds dependency cycles: one per strongly connected component, iteratively, so a
/// 100,000-step chain cannot overflow the stack.
enum CycleFinder {
    /// One cycle per non-trivial strongly connected component (and per self-loop), each as a
    /// node list `[a, b, ..., a]` following edge direction, starting at the component's smallest
    /// node so results are deterministic. Components are returned in order of that node.
    static func cycles(in graph: AdjacencyList) -> [[Int]] {
        let components = stronglyConnectedComponents(of: graph)
        var cycles: [[Int]] = []
        for component in components {
            guard let start = component.min() else { continue }
            if component.count == 1 {
                if graph.neighbors(of: start).contains(start) { cycles.append([start, start]) }
                continue
            }
            if let cycle = shortestCycle(through: start, within: Set(component), in: graph) {
                cycles.append(cycle)
            }
        }
        return cycles.sorted { $0[0] < $1[0] }
    }

    /// Tarjan's algorithm with an explicit call stack.
    static func stronglyConnectedComponents(of graph: AdjacencyList) -> [[Int]] {
        let count = graph.nodeCount
        var index = [Int](repeating: -1, count: count)
        var lowLink = [Int](repeating: 0, count: count)
        var onStack = [Bool](repeating: false, count: count)
        var stack: [Int] = []
        var components: [[Int]] = []
        var nextIndex = 0
        // Each frame: node and the position of the next successor to visit.
        var callStack: [(node: Int, edge: Int)] = []

        for root in 0..<count where index[root] == -1 {
            callStack.append((root, graph.offsets[root]))
            index[root] = nextIndex
            lowLink[root] = nextIndex
            nextIndex += 1
            stack.append(root)
            onStack[root] = true

            while let frame = callStack.last {
                let node = frame.node
                if frame.edge < graph.offsets[node + 1] {
                    let successor = graph.targets[frame.edge]
                    callStack[callStack.count - 1].edge += 1
                    if index[successor] == -1 {
                        index[successor] = nextIndex
                        lowLink[successor] = nextIndex
                        nextIndex += 1
                        stack.append(successor)
                        onStack[successor] = true
                        callStack.append((successor, graph.offsets[successor]))
                    } else if onStack[successor] {
                        lowLink[node] = min(lowLink[node], index[successor])
                    }
                    continue
                }
                callStack.removeLast()
                if let parent = callStack.last {
                    lowLink[parent.node] = min(lowLink[parent.node], lowLink[node])
                }
                if lowLink[node] == index[node] {
                    var component: [Int] = []
                    while let member = stack.popLast() {
                        onStack[member] = false
                        component.append(member)
                        if member == node { break }
                    }
                    components.append(component)
                }
            }
        }
        return components
    }

    /// Breadth-first search from `start` back to itself inside one component.
    private static func shortestCycle(through start: Int, within component: Set<Int>, in graph: AdjacencyList) -> [Int]? {
        var parent: [Int: Int] = [:]
        var queue = [start]
        var head = 0
        while head < queue.count {
            let node = queue[head]
            head += 1
            for successor in graph.neighbors(of: node) where component.contains(successor) {
                if successor == start {
                    var chain: [Int] = []
                    var cursor = node
                    while cursor != start {
                        chain.append(cursor)
                        guard let previous = parent[cursor] else { return nil }
                        cursor = previous
                    }
                    return [start] + Array(chain.reversed()) + [start]
                }
                if parent[successor] == nil && successor != start {
                    parent[successor] = node
                    queue.append(successor)
                }
            }
        }
        return nil
    }
}
