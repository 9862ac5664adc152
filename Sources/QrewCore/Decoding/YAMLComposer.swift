internal import CYaml

/// A YAML syntax problem: what libyaml (or the composer) found wrong, and where.
struct YAMLSyntaxError: Error, Sendable {
    enum Kind: Sendable {
        /// Bad YAML: scanner, parser or composer problems (undefined alias, several documents).
        case syntax
        /// The same key twice in one mapping.
        case duplicateKey
        /// Input libyaml cannot read at all (control characters).
        case unreadable
    }

    let kind: Kind
    let message: String
    /// 1-based; nil when the reader gives no position.
    let mark: YAMLNode.Mark?
}

/// Composes the single document of a YAML (or JSON) text into a `YAMLNode` tree straight from
/// libyaml's event API (the libyaml Yams bundles as `CYaml`).
///
/// Why not Yams' `compose`: it gives every node a tag object with a resolver and a constructor,
/// copies each scalar through Foundation, and finds duplicate keys with a dictionary per
/// mapping; on a 100,000-step workflow that was most of the load time (docs/benchmarks.md,
/// "Front door"). Collections nest at most `maxNesting` levels (libyaml's own bound, 1,000,
/// is too deep for the recursion's stack in a debug build), so the recursion is bounded.
enum YAMLComposer {
    /// Most levels of collections inside one another: far more than any workflow has.
    static let maxNesting = 200

    /// Texts shorter than this are parsed whole: cutting them saves less than it costs.
    static let minimumCutBytes = 64 * 1024

    /// The document of `text`, or nil when the text holds none (empty, or only comments).
    /// With a `runner` wider than one core, a big workflow's `steps:` list is parsed in pieces
    /// at once (`StepListPieces`); the result is the one parsing it whole gives, problems
    /// included (any piece that fails sends the whole text to the whole parse).
    static func compose(_ text: String, runner: PieceRunner = .serial) throws(YAMLSyntaxError) -> YAMLNode? {
        if runner.width > 1, text.utf8.count >= minimumCutBytes, let root = composeInPieces(text, runner: runner) {
            return root
        }
        return try composeWhole(text, nesting: 0)
    }

    /// The document of `text` parsed in pieces (`StepListPieces`), or nil when the text is not
    /// cut that way, or a part does not parse or is not the shape the cut expects.
    static func composeInPieces(_ text: String, runner: PieceRunner) -> YAMLNode? {
        guard let cut = StepListPieces(text, count: 2 * runner.width) else { return nil }
        let parts = runner.map(cut.pieces.count + 1) { index -> YAMLNode? in
            // A piece's items sit one level deeper in the whole document: inside its top mapping.
            if index == 0 { return try? composeWhole(cut.head, nesting: 0) }
            return try? composeWhole(cut.pieces[index - 1], nesting: 1)
        }
        guard case .mapping(let head)? = parts[0],
              let keyIndex = head.pairs.firstIndex(where: { pair in
                  guard let key = pair.key.scalar, let value = pair.value.scalar else { return false }
                  return key.string == "steps" && key.style == .plain && key.mark.line == cut.keyLine
                      && value.string.isEmpty && value.style == .plain
              })
        else { return nil }
        var items: [YAMLNode] = []
        var listMark: YAMLNode.Mark?
        for part in parts.dropFirst() {
            guard case .sequence(let piece)? = part else { return nil }
            listMark = listMark ?? piece.mark
            items.append(contentsOf: piece.nodes)
        }
        guard let listMark else { return nil }
        var pairs = head.pairs
        pairs[keyIndex].value = .sequence(YAMLNode.Items(nodes: items, mark: listMark))
        return .mapping(YAMLNode.Mapping(pairs: pairs, mark: head.mark))
    }

    /// The document of `text` parsed in one go, its collections counted from `nesting` levels deep.
    private static func composeWhole(_ text: String, nesting: Int) throws(YAMLSyntaxError) -> YAMLNode? {
        var text = text
        text.makeContiguousUTF8()
        let result: Result<YAMLNode?, YAMLSyntaxError> = text.utf8.withContiguousStorageIfAvailable { bytes in
            let reader = EventReader(bytes, nesting: nesting)
            defer { reader.close() }
            return Result { () throws(YAMLSyntaxError) in try reader.document() }
        } ?? .success(nil)
        return try result.get()
    }

    /// The scalar value of `key` in the top-level mapping of `text`'s document, read event by
    /// event without composing nodes: the values before it are skipped. Nil when the document is
    /// no mapping, the key is missing or not followed by a scalar, or the text stops being
    /// readable before it.
    static func topLevelScalar(forKey key: String, in text: String) -> String? {
        var text = text
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            let reader = EventReader(bytes)
            defer { reader.close() }
            return try? reader.topLevelScalar(forKey: key)
        } ?? nil
    }
}

/// One libyaml parser over a buffer, reading events into nodes; `close()` frees it.
private final class EventReader {
    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private var event = yaml_event_t()
    private var anchors: [String: YAMLNode] = [:]
    /// The items and pairs of the collections being read, innermost last: each collection's
    /// array is then allocated once at its exact size, not grown item by item.
    private var pendingNodes: [YAMLNode] = []
    private var pendingPairs: [(key: YAMLNode, value: YAMLNode)] = []
    /// Collections open around the current event.
    private var nesting = 0

    init(_ bytes: UnsafeBufferPointer<UInt8>, nesting: Int = 0) {
        self.nesting = nesting
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
    }

    func close() {
        yaml_event_delete(&event)
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// The stream's only document; a second one is a problem.
    func document() throws(YAMLSyntaxError) -> YAMLNode? {
        try next()  // STREAM-START
        try next()
        guard event.type == YAML_DOCUMENT_START_EVENT else { return nil }
        try next()
        let root = try node()
        try next()  // DOCUMENT-END
        try next()
        if event.type != YAML_STREAM_END_EVENT {
            throw YAMLSyntaxError(
                kind: .syntax, message: "expected a single document in the stream, but found another document", mark: startMark)
        }
        return root
    }

    /// The scalar value of `key` in the document's top-level mapping, nil when there is none
    /// (`YAMLComposer.topLevelScalar`).
    func topLevelScalar(forKey key: String) throws(YAMLSyntaxError) -> String? {
        try next()  // STREAM-START
        try next()
        guard event.type == YAML_DOCUMENT_START_EVENT else { return nil }
        try next()
        guard event.type == YAML_MAPPING_START_EVENT else { return nil }
        try next()
        while event.type != YAML_MAPPING_END_EVENT {
            let found = scalarText == key
            try skipNode()  // a key that is a collection is skipped like a value
            try next()
            if found { return scalarText }
            try skipNode()
            try next()
        }
        return nil
    }

    /// The current event's text if it is a scalar.
    private var scalarText: String? {
        guard event.type == YAML_SCALAR_EVENT else { return nil }
        let scalar = event.data.scalar
        return String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
    }

    /// Moves past the node starting at the current event, to its last event, without composing it.
    private func skipNode() throws(YAMLSyntaxError) {
        guard event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT else { return }
        var depth = 1
        while depth > 0 {
            try next()
            switch event.type {
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT: depth += 1
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: depth -= 1
            default: break
            }
        }
    }

    /// Moves to the next event (the previous one is freed).
    private func next() throws(YAMLSyntaxError) {
        yaml_event_delete(&event)
        guard yaml_parser_parse(parser, &event) == 1 else { throw parserError() }
    }

    private var startMark: YAMLNode.Mark {
        YAMLNode.Mark(line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
    }

    /// The node starting at the current event; on return the current event is its last one.
    private func node() throws(YAMLSyntaxError) -> YAMLNode {
        let mark = startMark
        switch event.type {
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
            let node = YAMLNode.scalar(YAMLNode.Scalar(string: text, style: Self.style(scalar.style), mark: mark))
            register(scalar.anchor, node)
            return node
        case YAML_SEQUENCE_START_EVENT:
            try enter(mark)
            defer { nesting -= 1 }
            let anchor = Self.string(event.data.sequence_start.anchor)
            let first = pendingNodes.endIndex
            try next()
            while event.type != YAML_SEQUENCE_END_EVENT {
                pendingNodes.append(try node())
                try next()
            }
            let nodes = Array(pendingNodes[first...])
            pendingNodes.removeSubrange(first...)
            let node = YAMLNode.sequence(YAMLNode.Items(nodes: nodes, mark: mark))
            if let anchor { anchors[anchor] = node }
            return node
        case YAML_MAPPING_START_EVENT:
            try enter(mark)
            defer { nesting -= 1 }
            let anchor = Self.string(event.data.mapping_start.anchor)
            let first = pendingPairs.endIndex
            try next()
            while event.type != YAML_MAPPING_END_EVENT {
                let key = try node()
                try next()
                pendingPairs.append((key, try node()))
                try next()
            }
            let pairs = Array(pendingPairs[first...])
            pendingPairs.removeSubrange(first...)
            try Self.checkDuplicateKeys(pairs)
            let node = YAMLNode.mapping(YAMLNode.Mapping(pairs: pairs, mark: mark))
            if let anchor { anchors[anchor] = node }
            return node
        case YAML_ALIAS_EVENT:
            guard let name = Self.string(event.data.alias.anchor), let node = anchors[name] else {
                throw YAMLSyntaxError(kind: .syntax, message: "found undefined alias", mark: mark)
            }
            return node
        default:
            throw YAMLSyntaxError(kind: .syntax, message: "unexpected event \(event.type.rawValue)", mark: mark)
        }
    }

    /// Opens one more level of collections, refusing more than `YAMLComposer.maxNesting`.
    private func enter(_ mark: YAMLNode.Mark) throws(YAMLSyntaxError) {
        guard nesting < YAMLComposer.maxNesting else {
            throw YAMLSyntaxError(
                kind: .syntax, message: "collections nested more than \(YAMLComposer.maxNesting) levels deep", mark: mark)
        }
        nesting += 1
    }

    private func register(_ anchor: UnsafeMutablePointer<yaml_char_t>?, _ node: YAMLNode) {
        if let name = Self.string(anchor) { anchors[name] = node }
    }

    /// Rejects a mapping naming a scalar key twice: the duplicated keys sorted, at the first
    /// occurrence of the first of them (as Yams reported them).
    private static func checkDuplicateKeys(_ pairs: [(key: YAMLNode, value: YAMLNode)]) throws(YAMLSyntaxError) {
        guard pairs.count > 1, hasDuplicateKey(pairs) else { return }
        var firstMarks: [String: YAMLNode.Mark] = [:]
        var duplicates: Set<String> = []
        for pair in pairs {
            guard let key = pair.key.scalar else { continue }
            if firstMarks[key.string] == nil { firstMarks[key.string] = key.mark } else { duplicates.insert(key.string) }
        }
        let sorted = duplicates.sorted()
        throw YAMLSyntaxError(
            kind: .duplicateKey, message: "duplicate key \(sorted.map { "'\($0)'" }.joined(separator: ", ")) in one mapping",
            mark: firstMarks[sorted[0]])
    }

    /// Whether two scalar keys are equal; pairwise for the small mappings of a workflow (no
    /// allocation), hashed for big ones.
    private static func hasDuplicateKey(_ pairs: [(key: YAMLNode, value: YAMLNode)]) -> Bool {
        if pairs.count <= 16 {
            for index in pairs.indices {
                guard let key = pairs[index].key.scalar?.string else { continue }
                for other in pairs[(index + 1)...] where other.key.scalar?.string == key { return true }
            }
            return false
        }
        var seen: Set<String> = []
        seen.reserveCapacity(pairs.count)
        for pair in pairs {
            if let key = pair.key.scalar?.string, !seen.insert(key).inserted { return true }
        }
        return false
    }

    /// The problem libyaml stopped at: "context, problem" at the problem's position.
    private func parserError() -> YAMLSyntaxError {
        let problem = parser.pointee.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.pointee.error {
        case YAML_READER_ERROR:
            return YAMLSyntaxError(kind: .unreadable, message: problem, mark: nil)
        case YAML_MEMORY_ERROR:
            return YAMLSyntaxError(kind: .syntax, message: "out of memory", mark: nil)
        default:
            let context = parser.pointee.context.map { String(cString: $0) }
            let mark = parser.pointee.problem_mark
            return YAMLSyntaxError(
                kind: .syntax, message: [context, problem].compactMap { $0 }.joined(separator: ", "),
                mark: YAMLNode.Mark(line: Int(mark.line) + 1, column: Int(mark.column) + 1))
        }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.Scalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: .literal
        case YAML_FOLDED_SCALAR_STYLE: .folded
        default: .plain
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
