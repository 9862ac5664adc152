import QrewRedis

/// Spec templates: matrix siblings' specs differ in a few bytes (the task id, the rendered
/// matrix values), so a storing call sends a sibling's spec as a difference from the first task
/// of the same step in that call (its template), and `<run>:specs` keeps ~30–60 bytes for it
/// instead of ~300 (docs/protocol.md, *Task specs*). `claim` returns such a sibling's difference
/// with its template (lib/specs.lua) and the worker puts the exact spec back together
/// (`expanded`), so it checks the signature of, and runs, the very bytes the coordinator planned. Templates never span calls: a template is stored in the same script
/// call as the siblings that name it, whatever the slice size, resumption or order of the calls.
struct SpecTemplates {
    private var templates: [String: (id: String, spec: [UInt8])] = [:]

    /// What to store as `task`'s spec: a difference from an earlier task of its step in this
    /// call when that is shorter by a margin (`difference`), else the spec itself (and the task
    /// becomes its step's template when it is the first).
    mutating func storedSpec(of task: TaskRecord) -> String {
        guard let template = templates[task.step] else {
            templates[task.step] = (task.id, Array(task.spec.utf8))
            return task.spec
        }
        return Self.difference(Array(task.spec.utf8), taskID: task.id, from: template.spec, templateID: template.id) ?? task.spec
    }

    /// `spec` (of task `taskID`) as a difference from `template` (the spec of task `templateID`),
    /// or nil when that is not shorter than the spec by `margin` bytes (worth the claim's work):
    /// `~<prefix>,<suffix>,<n>:<template id><middle>` is the template's first `prefix` bytes,
    /// `middle`, and its last `suffix` bytes. With `^` instead of `~`, the spec was first made
    /// to name the template's id (`"taskID":"<template id>"`, quotes included, in place of its
    /// own, the first occurrence), so the middle holds only what else differs; the claim turns
    /// the first occurrence back into `"taskID":"<its id>"`. `^` is used only when that round trip gives
    /// the spec back byte for byte.
    static func difference(
        _ spec: [UInt8], taskID: String, from template: [UInt8], templateID: String, margin: Int = 32
    ) -> String? {
        var marker: Character = "~"
        var base = spec
        let own = Array(#""taskID":""#.utf8) + Array(taskID.utf8) + [UInt8(ascii: "\"")]
        let theirs = Array(#""taskID":""#.utf8) + Array(templateID.utf8) + [UInt8(ascii: "\"")]
        if let renamed = replacingFirst(own, with: theirs, in: spec), replacingFirst(theirs, with: own, in: renamed) == spec {
            marker = "^"
            base = renamed
        }
        let limit = min(base.count, template.count)
        var prefix = 0
        while prefix < limit, base[prefix] == template[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < limit - prefix, base[base.count - 1 - suffix] == template[template.count - 1 - suffix] { suffix += 1 }
        let middle = base[prefix..<(base.count - suffix)]
        let head = "\(marker)\(prefix),\(suffix),\(templateID.utf8.count):\(templateID)"
        guard head.utf8.count + middle.count + margin < spec.count else { return nil }
        return head + String(decoding: middle, as: UTF8.self)
    }

    /// The spec that `stored` (a difference, as `difference` makes it) stands for, given its
    /// template's spec, for task `taskID`; "" when the template is gone (empty), and `stored`
    /// itself when it is no difference.
    static func expanded(_ stored: String, template: String, taskID: String) -> String {
        var stored = stored
        return stored.withUTF8 { bytes in
            guard let marker = bytes.first, marker == UInt8(ascii: "~") || marker == UInt8(ascii: "^") else { return String(decoding: bytes, as: UTF8.self) }
            // `<marker><prefix>,<suffix>,<n>:`: three decimal numbers.
            var numbers: [Int] = []
            var index = 1
            var value = 0
            var digits = 0
            while index < bytes.count, numbers.count < 3 {
                let byte = bytes[index]
                index += 1
                if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 18 {
                    value = value * 10 + Int(byte - UInt8(ascii: "0"))
                    digits += 1
                } else if digits > 0, byte == (numbers.count < 2 ? UInt8(ascii: ",") : UInt8(ascii: ":")) {
                    numbers.append(value)
                    value = 0
                    digits = 0
                } else {
                    break
                }
            }
            guard numbers.count == 3, numbers[2] <= bytes.count - index else { return String(decoding: bytes, as: UTF8.self) }
            guard !template.isEmpty else { return "" }
            let templateID = bytes[index..<(index + numbers[2])]
            let middle = bytes[(index + numbers[2])...]
            let templateBytes = Array(template.utf8)
            let prefix = min(numbers[0], templateBytes.count)
            let suffix = min(numbers[1], templateBytes.count - prefix)
            var spec = Array(templateBytes[..<prefix])
            spec.reserveCapacity(templateBytes.count + middle.count + 16)
            spec.append(contentsOf: middle)
            spec.append(contentsOf: templateBytes[(templateBytes.count - suffix)...])
            if marker == UInt8(ascii: "^") {
                let quote = [UInt8(ascii: "\"")]
                let theirs = Array(#""taskID":""#.utf8) + Array(templateID) + quote
                let own = Array(#""taskID":""#.utf8) + Array(taskID.utf8) + quote
                if let renamed = replacingFirst(theirs, with: own, in: spec) { spec = renamed }
            }
            return String(decoding: spec, as: UTF8.self)
        }
    }

    /// `bytes` with the first occurrence of `target` replaced by `replacement`, or nil when it
    /// has none (the byte-for-byte rule `lib/specs.lua` applies with a plain `string.find`).
    static func replacingFirst(_ target: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8]? {
        guard !target.isEmpty, bytes.count >= target.count else { return nil }
        for start in 0...(bytes.count - target.count) where bytes[start] == target[0] {
            if bytes[start..<(start + target.count)].elementsEqual(target) {
                return Array(bytes[..<start]) + replacement + Array(bytes[(start + target.count)...])
            }
        }
        return nil
    }
}

extension Sequence<TaskRecord> {
    /// Appends the storing-call arguments of these tasks, in order, sharing spec templates
    /// among the siblings of one call (`SpecTemplates`).
    func appendArguments(to args: inout [RedisArgument]) {
        var templates = SpecTemplates()
        for task in self { task.appendArguments(to: &args, storedSpec: templates.storedSpec(of: task)) }
    }
}
