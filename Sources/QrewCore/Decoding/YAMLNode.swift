/// One node of a parsed YAML document, as the workflow decoder reads it: scalars keep their text
/// and quoting style (the decoder types plain scalars itself), collections keep their order, and
/// every node keeps the 1-based line and column where it starts, for problem messages.
///
/// Built by `YAMLComposer` from libyaml's events. It replaces Yams' `Node` tree, whose per-node
/// tag objects and duplicate-key dictionaries made composing most of the time spent loading a
/// big workflow (docs/benchmarks.md, "Front door"). Aliases are resolved to the anchored node,
/// which shares its storage, so an alias costs nothing however often it is used.
enum YAMLNode: Sendable {
    case scalar(Scalar)
    case mapping(Mapping)
    case sequence(Items)

    /// A 1-based position in the source text.
    ///
    /// Stored in 32 bits each: every node of a document carries one, and the narrower mark makes
    /// a node a third smaller, which a 100,000-step workflow's tree feels in allocation and page
    /// faults (docs/benchmarks.md, "Front door: qctl start-up and YAML").
    struct Mark: Sendable, Equatable {
        private let storedLine: Int32
        private let storedColumn: Int32

        var line: Int { Int(storedLine) }
        var column: Int { Int(storedColumn) }

        init(line: Int, column: Int) {
            storedLine = Int32(clamping: line)
            storedColumn = Int32(clamping: column)
        }
    }

    /// A scalar's text and how it was written.
    struct Scalar: Sendable {
        /// How a scalar was written; only `plain` scalars can be numbers, booleans or null.
        enum Style: Sendable, Equatable {
            case plain, singleQuoted, doubleQuoted, literal, folded
        }

        let string: String
        let style: Style
        let mark: Mark
    }

    /// A mapping's key/value pairs in source order.
    struct Mapping: Sendable, RandomAccessCollection {
        let pairs: [(key: YAMLNode, value: YAMLNode)]
        let mark: Mark

        var startIndex: Int { pairs.startIndex }
        var endIndex: Int { pairs.endIndex }
        subscript(position: Int) -> (key: YAMLNode, value: YAMLNode) { pairs[position] }

        /// The value of the first pair whose key is the scalar `key`.
        subscript(key: String) -> YAMLNode? {
            pairs.first { pair in pair.key.scalar?.string == key }?.value
        }
    }

    /// A sequence's items in source order.
    struct Items: Sendable, RandomAccessCollection {
        let nodes: [YAMLNode]
        let mark: Mark

        var startIndex: Int { nodes.startIndex }
        var endIndex: Int { nodes.endIndex }
        subscript(position: Int) -> YAMLNode { nodes[position] }
    }

    /// Where the node starts.
    var mark: Mark {
        switch self {
        case .scalar(let scalar): scalar.mark
        case .mapping(let mapping): mapping.mark
        case .sequence(let items): items.mark
        }
    }

    /// The scalar, if this node is one.
    var scalar: Scalar? {
        if case .scalar(let scalar) = self { scalar } else { nil }
    }

    /// The mapping, if this node is one.
    var mapping: Mapping? {
        if case .mapping(let mapping) = self { mapping } else { nil }
    }
}
