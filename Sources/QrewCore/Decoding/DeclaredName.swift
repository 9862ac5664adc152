internal import CYaml

extension WorkflowLoader {
    /// The top-level `name` of a workflow text as written, read without loading the workflow:
    /// libyaml's events are walked up to that key's value (no nodes, no decoding, no validation),
    /// so a submitter can name a run after a workflow it leaves to the coordinator to load
    /// (`qctl submit` of a big file). Nil when the text is not a YAML (or JSON) mapping with a
    /// scalar `name`, or is not readable up to it; such a text fails the coordinator's load anyway.
    public static func declaredName(in text: String) -> String? {
        var text = JSONText.normalizingTabs(in: text)
        text.makeContiguousUTF8()
        return text.utf8.withContiguousStorageIfAvailable { bytes -> String? in
            let scanner = TopLevelScanner(bytes)
            defer { scanner.close() }
            return scanner.scalar(forKey: "name")
        } ?? nil
    }
}

/// One libyaml parser walking a document's top-level mapping event by event.
private final class TopLevelScanner {
    private let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
    private var event = yaml_event_t()

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        yaml_parser_initialize(parser)
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)
    }

    func close() {
        yaml_event_delete(&event)
        yaml_parser_delete(parser)
        parser.deallocate()
    }

    /// The scalar value of `key` in the document's top-level mapping; nil when the document is
    /// no mapping, the key is missing or its value is not a scalar, or the text stops being
    /// readable before it. The values of the keys before it are skipped, not read.
    func scalar(forKey key: String) -> String? {
        guard next(), event.type == YAML_STREAM_START_EVENT, next(), event.type == YAML_DOCUMENT_START_EVENT,
              next(), event.type == YAML_MAPPING_START_EVENT else { return nil }
        while next(), event.type != YAML_MAPPING_END_EVENT {
            let found = scalarText() == key
            // a key that is a collection is skipped like a value
            guard skipNode(), next() else { return nil }
            if found { return scalarText() }
            guard skipNode() else { return nil }
        }
        return nil
    }

    /// Moves to the next event (the previous one is freed); false when the text is not readable.
    private func next() -> Bool {
        yaml_event_delete(&event)
        return yaml_parser_parse(parser, &event) == 1
    }

    /// The current event's text if it is a scalar.
    private func scalarText() -> String? {
        guard event.type == YAML_SCALAR_EVENT else { return nil }
        let scalar = event.data.scalar
        return String(decoding: UnsafeBufferPointer(start: scalar.value, count: scalar.length), as: UTF8.self)
    }

    /// Moves past the node starting at the current event, to its last event.
    private func skipNode() -> Bool {
        guard event.type == YAML_SEQUENCE_START_EVENT || event.type == YAML_MAPPING_START_EVENT else { return true }
        var depth = 1
        while depth > 0 {
            guard next() else { return false }
            switch event.type {
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT: depth += 1
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT: depth -= 1
            default: break
            }
        }
        return true
    }
}
