import QrewRedis

/// Spec templates: matrix siblings' specs differ in a few bytes (the task id, the rendered
/// matrix values), so a storing call sends a sibling's spec as a difference from the first task
/// of the same step in that call (its template), and `<run>:specs` keeps ~60 bytes for it instead
/// of ~300 (docs/protocol.md, *Task specs*). `claim` puts the exact spec back together, so the
/// worker receives, and checks the signature of, the very bytes the coordinator planned.
/// Templates never span calls: a template is stored in the same script call as the siblings
/// that name it, whatever the slice size, resumption or order of the calls.
struct SpecTemplates {
    private var templates: [String: (id: String, spec: String)] = [:]

    /// What to store as `task`'s spec: `~<prefix>,<suffix>,<id length>:<template id><middle>`
    /// when an earlier task of its step in this call shares enough of its spec (the spec is the
    /// template's first `prefix` bytes, `middle`, and the template's last `suffix` bytes), else
    /// the spec itself (and the task becomes its step's template when it is the first).
    mutating func storedSpec(of task: TaskRecord) -> String {
        guard let template = templates[task.step] else {
            templates[task.step] = (task.id, task.spec)
            return task.spec
        }
        return Self.difference(task.spec, from: template.spec, templateID: template.id) ?? task.spec
    }

    /// `spec` as a difference from `template`, or nil when that is not shorter than the spec
    /// by a margin worth the claim's extra work.
    static func difference(_ spec: String, from template: String, templateID: String) -> String? {
        let specBytes = Array(spec.utf8), templateBytes = Array(template.utf8)
        let limit = min(specBytes.count, templateBytes.count)
        var prefix = 0
        while prefix < limit, specBytes[prefix] == templateBytes[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < limit - prefix, specBytes[specBytes.count - 1 - suffix] == templateBytes[templateBytes.count - 1 - suffix] {
            suffix += 1
        }
        let middle = specBytes[prefix..<(specBytes.count - suffix)]
        let head = "~\(prefix),\(suffix),\(templateID.utf8.count):\(templateID)"
        guard head.utf8.count + middle.count + 32 < specBytes.count else { return nil }
        return head + String(decoding: middle, as: UTF8.self)
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
