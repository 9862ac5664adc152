import QrewCore
import QrewRedis

/// Spec templates: matrix siblings' specs differ in a few bytes (the task id, the rendered
/// matrix values), and so do the specs of a DAG's one-task steps that share a type and settings
/// (the task and step ids), so a storing call sends such a spec as a difference from an earlier
/// task's in that call (its template), and `<run>:specs` keeps ~20–60 bytes for it instead of
/// ~300 (docs/protocol.md, *Task specs*). `claim` returns the difference, with its template
/// where its reply names that template first (lib/specs.lua), and the worker puts the exact
/// spec back together (`expanded`), so it checks the signature of, and runs, the very bytes the
/// coordinator planned. Templates never span calls: a template is stored whole in the same script
/// call as the tasks that name it, whatever the slice size, resumption or order of the calls.
struct SpecTemplates {
    /// Most templates kept for one-task steps in a call: a DAG mixes a few kinds of step.
    static let maxSharedTemplates = 4

    private var templates: [String: (id: String, spec: [UInt8])] = [:]
    /// Templates for the tasks of one-task steps (whose task id is the step id), the one that
    /// served last first.
    private var shared: [(id: String, spec: [UInt8])] = []

    /// What to store as `task`'s spec: a difference from an earlier task of this call when that
    /// is shorter by a margin (`difference`), else the spec itself. A matrix sibling's template is
    /// the first task of its step; a one-task step's is one of the last few one-task steps
    /// stored whole (`maxSharedTemplates`), and it becomes one itself when none serves.
    mutating func storedSpec(of task: TaskRecord) -> String {
        let spec = Array(task.spec.utf8)
        guard task.id != task.step else { return sharedTemplateSpec(spec, of: task) }
        guard let template = templates[task.step] else {
            templates[task.step] = (task.id, spec)
            return task.spec
        }
        return Self.difference(spec, taskID: task.id, from: template.spec, templateID: template.id) ?? task.spec
    }

    /// `storedSpec` of a one-task step's task: a difference from the first shared template that
    /// gives one (which moves to the front), or the spec itself, taking the place of the
    /// template that served longest ago when there are `maxSharedTemplates` already.
    private mutating func sharedTemplateSpec(_ spec: [UInt8], of task: TaskRecord) -> String {
        for (index, template) in shared.enumerated() {
            guard let difference = Self.difference(spec, taskID: task.id, from: template.spec, templateID: template.id)
            else { continue }
            if index > 0 { shared.insert(shared.remove(at: index), at: 0) }
            return difference
        }
        if shared.count == Self.maxSharedTemplates { shared.removeLast() }
        shared.insert((task.id, spec), at: 0)
        return task.spec
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
        var marker = UInt8(ascii: "~")
        var base = spec
        let own = taskIDField(taskID)
        let theirs = taskIDField(templateID)
        if let at = spec.firstIndex(ofBytes: own) {
            var renamed: [UInt8] = []
            renamed.reserveCapacity(spec.count - own.count + theirs.count)
            renamed += spec[..<at]
            renamed += theirs
            renamed += spec[(at + own.count)...]
            // Putting the first `theirs` back gives the spec when that is the one just put in
            // (the usual case, found without building the round trip), or by chance otherwise.
            if renamed.firstIndex(ofBytes: theirs) == at || replacingFirst(theirs, with: own, in: renamed) == spec {
                marker = UInt8(ascii: "^")
                base = renamed
            }
        }
        let limit = min(base.count, template.count)
        var prefix = 0
        while prefix < limit, base[prefix] == template[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < limit - prefix, base[base.count - 1 - suffix] == template[template.count - 1 - suffix] { suffix += 1 }
        let middle = base[prefix..<(base.count - suffix)]
        // `<marker><prefix>,<suffix>,<n>:<template id><middle>`, made as bytes
        var stored: [UInt8] = []
        stored.reserveCapacity(64 + templateID.utf8.count + middle.count)
        stored.append(marker)
        stored.appendDecimal(prefix)
        stored.append(UInt8(ascii: ","))
        stored.appendDecimal(suffix)
        stored.append(UInt8(ascii: ","))
        stored.appendDecimal(templateID.utf8.count)
        stored.append(UInt8(ascii: ":"))
        stored.append(contentsOf: templateID.utf8)
        guard stored.count + middle.count + margin < spec.count else { return nil }
        stored.append(contentsOf: middle)
        return String(decoding: stored, as: UTF8.self)
    }

    /// `"taskID":"<id>"`, quotes included, as the spec JSON holds it.
    private static func taskIDField(_ id: String) -> [UInt8] {
        var field: [UInt8] = []
        field.reserveCapacity(id.utf8.count + 11)
        field.append(contentsOf: #""taskID":""#.utf8)
        field.append(contentsOf: id.utf8)
        field.append(UInt8(ascii: "\""))
        return field
    }

    /// The spec that `stored` (a difference, as `difference` makes it) stands for, given its
    /// template's spec, for task `taskID`; "" when the template is gone (empty), and `stored`
    /// itself when it is no difference. Runs in the worker for every such claimed task: bytes are
    /// copied once into one buffer, with no intermediate arrays.
    static func expanded(_ stored: String, template: String, taskID: String) -> String {
        var stored = stored, template = template, taskID = taskID
        return stored.withUTF8 { bytes -> String in
            guard let head = DifferenceHead(bytes) else { return String(decoding: bytes, as: UTF8.self) }
            guard !template.isEmpty else { return "" }
            return template.withUTF8 { template -> String in
                let prefix = min(head.prefix, template.count)
                let suffix = min(head.suffix, template.count - prefix)
                var spec: [UInt8] = []
                spec.reserveCapacity(prefix + (bytes.count - head.middle) + suffix)
                spec.append(contentsOf: template[..<prefix])
                spec.append(contentsOf: bytes[head.middle...])
                spec.append(contentsOf: template[(template.count - suffix)...])
                let templateID = UnsafeBufferPointer(rebasing: bytes[head.templateID..<head.middle])
                guard head.renamed, let at = idOfTaskIDField(naming: templateID, in: spec) else {
                    return String(decoding: spec, as: UTF8.self)
                }
                // The id at `at` (the template's) becomes the task's own.
                let rest = at + templateID.count
                return taskID.withUTF8 { id in
                    String(unsafeUninitializedCapacity: at + id.count + (spec.count - rest)) { out in
                        var written = out[...].initialize(fromContentsOf: spec[..<at])
                        written = out[written...].initialize(fromContentsOf: id)
                        return out[written...].initialize(fromContentsOf: spec[rest...])
                    }
                }
            }
        }
    }

    /// The id of the template that `stored` (a difference, as `difference` makes it) names, or
    /// nil when it is no difference.
    static func templateID(of stored: String) -> String? {
        var stored = stored
        return stored.withUTF8 { bytes in
            DifferenceHead(bytes).map { head in
                String(decoding: UnsafeBufferPointer(rebasing: bytes[head.templateID..<head.middle]), as: UTF8.self)
            }
        }
    }

    /// Where the id starts in the first `"taskID":"<id>"` of `spec` whose id is `id`, if there
    /// is one.
    private static func idOfTaskIDField(naming id: UnsafeBufferPointer<UInt8>, in spec: [UInt8]) -> Int? {
        let field = Array(#""taskID":""#.utf8)
        return spec.firstIndex(ofBytes: field + id + [UInt8(ascii: "\"")]).map { $0 + field.count }
    }

    /// The head of a stored difference, `<~ or ^><prefix>,<suffix>,<n>:<template id (n bytes)>`:
    /// the three numbers and where the template id and the middle start.
    private struct DifferenceHead {
        let renamed: Bool
        let prefix: Int
        let suffix: Int
        let templateID: Int
        let middle: Int

        init?(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let marker = bytes.first, marker == UInt8(ascii: "~") || marker == UInt8(ascii: "^") else { return nil }
            var numbers = (0, 0, 0)
            var index = 1
            for position in 0..<3 {
                var value = 0, digits = 0
                while index < bytes.count, digits < 18, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) {
                    value = value * 10 + Int(bytes[index] - UInt8(ascii: "0"))
                    digits += 1
                    index += 1
                }
                let separator = position < 2 ? UInt8(ascii: ",") : UInt8(ascii: ":")
                guard digits > 0, index < bytes.count, bytes[index] == separator else { return nil }
                index += 1
                switch position {
                case 0: numbers.0 = value
                case 1: numbers.1 = value
                default: numbers.2 = value
                }
            }
            guard numbers.2 <= bytes.count - index else { return nil }
            self.renamed = marker == UInt8(ascii: "^")
            self.prefix = numbers.0
            self.suffix = numbers.1
            self.templateID = index
            self.middle = index + numbers.2
        }
    }

    /// `bytes` with the first occurrence of `target` replaced by `replacement`, or nil when it
    /// has none (the byte-for-byte rule `lib/specs.lua` applies with a plain `string.find`).
    static func replacingFirst(_ target: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8]? {
        guard let start = bytes.firstIndex(ofBytes: target) else { return nil }
        return Array(bytes[..<start]) + replacement + Array(bytes[(start + target.count)...])
    }
}

extension Sequence<TaskRecord> {
    /// Appends the storing-call arguments of these tasks, in order, sharing spec templates
    /// among the tasks of one call (`SpecTemplates`).
    func appendArguments(to args: inout [RedisArgument]) {
        var templates = SpecTemplates()
        for task in self { task.appendArguments(to: &args, storedSpec: templates.storedSpec(of: task)) }
    }
}
