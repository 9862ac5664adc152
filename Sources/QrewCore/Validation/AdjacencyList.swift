/// A compact directed graph over integer nodes (CSR: one offsets array, one targets array).
///
/// Two flat arrays instead of an array per node keep 100,000-node graphs cheap to build and walk.
struct AdjacencyList: Sendable, Hashable {
    /// `targets[offsets[n]..<offsets[n + 1]]` are the successors of node `n`.
    private(set) var offsets: [Int]
    /// Successors of all nodes, grouped by node.
    private(set) var targets: [Int]

    /// Number of nodes.
    var nodeCount: Int { offsets.count - 1 }
    /// Number of edges.
    var edgeCount: Int { targets.count }

    /// Builds the graph from parallel edge arrays; each node's successors keep insertion order.
    init(nodeCount: Int, sources: [Int], destinations: [Int]) {
        var offsets = [Int](repeating: 0, count: nodeCount + 1)
        for source in sources { offsets[source + 1] += 1 }
        for node in 0..<nodeCount { offsets[node + 1] += offsets[node] }
        var cursor = offsets
        var targets = [Int](repeating: 0, count: sources.count)
        for (source, destination) in zip(sources, destinations) {
            targets[cursor[source]] = destination
            cursor[source] += 1
        }
        self.offsets = offsets
        self.targets = targets
    }

    /// Successors of `node`.
    func neighbors(of node: Int) -> ArraySlice<Int> {
        targets[offsets[node]..<offsets[node + 1]]
    }

    /// Number of successors of `node`.
    func degree(of node: Int) -> Int {
        offsets[node + 1] - offsets[node]
    }

    /// The same graph with every edge reversed.
    func reversed() -> AdjacencyList {
        var sources: [Int] = []
        var destinations: [Int] = []
        sources.reserveCapacity(edgeCount)
        destinations.reserveCapacity(edgeCount)
        for node in 0..<nodeCount {
            for target in neighbors(of: node) {
                sources.append(target)
                destinations.append(node)
            }
        }
        return AdjacencyList(nodeCount: nodeCount, sources: sources, destinations: destinations)
    }
}
