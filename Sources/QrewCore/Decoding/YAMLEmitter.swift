internal import CYaml

/// Writes a `YAMLNode` back as YAML text with libyaml's emitter: block style, scalars in their
/// own quoting style where libyaml allows it (a plain scalar that cannot stay plain is quoted),
/// so that composing the text again gives the same values. Inline child workflows travel to the
/// leader as this text (`ChildWorkflow.text`).
enum YAMLEmitter {
    /// The text of `node` as a single document; nil if libyaml refuses an event.
    static func text(of node: YAMLNode) -> String? {
        let output = OutputBuffer()
        let emitter = UnsafeMutablePointer<yaml_emitter_t>.allocate(capacity: 1)
        defer { emitter.deallocate() }
        guard yaml_emitter_initialize(emitter) == 1 else { return nil }
        defer { yaml_emitter_delete(emitter) }
        yaml_emitter_set_unicode(emitter, 1)
        yaml_emitter_set_width(emitter, -1)
        let context = Unmanaged.passUnretained(output).toOpaque()
        yaml_emitter_set_output(emitter, { context, bytes, size in
            guard let context, let bytes else { return 0 }
            Unmanaged<OutputBuffer>.fromOpaque(context).takeUnretainedValue().bytes
                .append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
            return 1
        }, context)

        var event = yaml_event_t()
        func emit(_ initialized: Int32) -> Bool {
            initialized == 1 && yaml_emitter_emit(emitter, &event) == 1
        }
        func emit(_ node: YAMLNode) -> Bool {
            switch node {
            case .scalar(let scalar):
                var value = Array(scalar.string.utf8)
                let style = Self.style(scalar.style)
                return value.withUnsafeMutableBufferPointer { bytes in
                    emit(yaml_scalar_event_initialize(&event, nil, nil, bytes.baseAddress, Int32(bytes.count), 1, 1, style))
                }
            case .sequence(let items):
                guard emit(yaml_sequence_start_event_initialize(&event, nil, nil, 1, YAML_ANY_SEQUENCE_STYLE)) else { return false }
                for item in items where !emit(item) { return false }
                return emit(yaml_sequence_end_event_initialize(&event))
            case .mapping(let mapping):
                guard emit(yaml_mapping_start_event_initialize(&event, nil, nil, 1, YAML_ANY_MAPPING_STYLE)) else { return false }
                for (key, value) in mapping where !(emit(key) && emit(value)) { return false }
                return emit(yaml_mapping_end_event_initialize(&event))
            }
        }
        guard emit(yaml_stream_start_event_initialize(&event, YAML_UTF8_ENCODING)),
              emit(yaml_document_start_event_initialize(&event, nil, nil, nil, 1)),
              emit(node),
              emit(yaml_document_end_event_initialize(&event, 1)),
              emit(yaml_stream_end_event_initialize(&event))
        else { return nil }
        return String(decoding: output.bytes, as: UTF8.self)
    }

    private static func style(_ style: YAMLNode.Scalar.Style) -> yaml_scalar_style_t {
        switch style {
        case .plain: YAML_PLAIN_SCALAR_STYLE
        case .singleQuoted: YAML_SINGLE_QUOTED_SCALAR_STYLE
        case .doubleQuoted: YAML_DOUBLE_QUOTED_SCALAR_STYLE
        case .literal: YAML_LITERAL_SCALAR_STYLE
        case .folded: YAML_FOLDED_SCALAR_STYLE
        }
    }

    /// Where the emitter's write handler appends.
    private final class OutputBuffer {
        var bytes: [UInt8] = []
    }
}
