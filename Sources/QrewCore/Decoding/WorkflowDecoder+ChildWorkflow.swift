/// What a workflow's decoder needs to load the child workflows (`type: workflow`) it declares:
/// the files a submission carries, and where in the nesting the workflow being decoded is.
struct ChildWorkflowContext: Sendable {
    /// Workflow texts by resolved path (`ChildWorkflow.resolve`): every file the submission includes.
    var files: [String: String] = [:]
    /// Limits for validating each child like a top-level workflow.
    var limits: ValidationLimits = .default
    /// The files being loaded, outermost first (a file found here again is a cycle).
    var stack: [String] = []
    /// How many child levels deep the workflow being decoded is (0 for the submitted one).
    var depth = 0
}

extension WorkflowDecoder {
    /// Step keys of `type: workflow` alone.
    static let childWorkflowStepKeys = ["file", "workflow"]
    /// Keys a child-workflow step cannot use: it runs on no worker (its child run's steps do) and
    /// ends when its child run ends (a `matrix` makes one such task, and child run, per value).
    static let keysNotForChildWorkflow = [
        "env", "cwd", "resource", "queue", "maxConcurrency", "cache", "queueTimeout", "heartbeatTimeout",
        "timeout",
    ] + gateStepKeys

    /// `file:` or `workflow:` (exactly one) on a `type: workflow` step, loaded and validated as a
    /// workflow of its own (a file through the submission's files, cycles and depth checked), and
    /// its `with:` keys checked against the child's declared params. Either key on any other
    /// step, and every key a child-workflow step cannot use, is reported.
    mutating func decodeChildWorkflow(_ fields: MappingFields, into step: inout Step, path: @autoclosure () -> String, stepID: String?) {
        guard step.type == .workflow else {
            for key in Self.childWorkflowStepKeys where fields[key] != nil {
                report(.inapplicableKey, at: fields[key], field: "\(path()).\(key)", stepID: stepID,
                       "'\(key)' does not apply to a step of type '\(step.type.rawValue)'",
                       hint: "'\(key)' is only for workflow steps; remove it or set 'type: workflow'")
            }
            return
        }
        for key in Self.keysNotForChildWorkflow.sorted() where fields[key] != nil {
            report(.inapplicableKey, at: fields[key], field: "\(path()).\(key)", stepID: stepID,
                   "'\(key)' does not apply to a step of type 'workflow'",
                   hint: "a workflow step runs its child workflow as a run of its own; set '\(key)' on the child's steps")
        }
        let file = fields["file"], inline = fields["workflow"]
        if file != nil, inline != nil {
            report(.invalidValue, at: inline, field: "\(path()).workflow", stepID: stepID, "a workflow step has both 'file' and 'workflow'",
                   hint: "name a file (file: child.yaml) or write the workflow inline (workflow: {...}), not both")
            return
        }
        if file == nil, inline == nil {
            report(.missingField, at: fields["type"], field: "\(path()).file", stepID: stepID, "workflow step has no 'file' or 'workflow'",
                   hint: "add file: child.yaml (relative to this file) or an inline workflow: { name: ..., steps: [...] }")
            return
        }
        guard childContext.depth < ChildWorkflow.maxDepth else {
            report(.invalidValue, at: file ?? inline, field: "\(path()).\(file != nil ? "file" : "workflow")", stepID: stepID,
                   "child workflows nest more than \(ChildWorkflow.maxDepth) levels deep",
                   hint: "flatten the nesting: at most \(ChildWorkflow.maxDepth) levels of workflow steps")
            return
        }
        let loaded: (workflow: Workflow, child: ChildWorkflow?)?
        if let file {
            loaded = loadChildFile(file, path: "\(path()).file", stepID: stepID)
        } else if let inline {
            loaded = loadInlineChild(inline, path: "\(path()).workflow", stepID: stepID)
        } else {
            loaded = nil
        }
        guard let loaded else { return }
        step.childWorkflow = loaded.child
        checkChildParameters(fields["with"], child: loaded.workflow, path: "\(path()).with", stepID: stepID)
    }

    /// The workflow of `file: PATH`, resolved against this file, from the submission's files
    /// (decoded as far as it goes), and the child to run when it has no problem.
    private mutating func loadChildFile(_ node: YAMLNode, path: @autoclosure () -> String, stepID: String?) -> (Workflow, ChildWorkflow?)? {
        guard let written = string(node, at: path(), stepID: stepID) else { return nil }
        let resolved = ChildWorkflow.resolve(written, from: file)
        if childContext.stack.contains(resolved) {
            let cycle = (childContext.stack.drop { $0 != resolved } + [resolved]).joined(separator: " → ")
            report(.cycle, at: node, field: path(), stepID: stepID, "child workflows include each other: \(cycle)",
                   hint: "a workflow cannot run itself as a child, directly or through other files")
            return nil
        }
        guard let text = childContext.files[resolved] else {
            report(.invalidValue, at: node, field: path(), stepID: stepID,
                   "child workflow file '\(written)' was not found (resolved as '\(resolved)')",
                   hint: "paths are relative to the file that names them; check the path")
            return nil
        }
        var context = childContext
        context.stack.append(resolved)
        context.depth += 1
        let (child, childProblems) = WorkflowLoader.loadChild(text: text, fileName: resolved, context: context)
        problems += childProblems
        guard let child else { return nil }
        return (child.workflow, childProblems.isEmpty ? ChildWorkflow(fileName: resolved, text: text, files: child.files) : nil)
    }

    /// The workflow of an inline `workflow:` mapping, decoded in place (its problems point into
    /// this file), and the child to run, kept as YAML text for the leader, when it has no problem.
    private mutating func loadInlineChild(_ node: YAMLNode, path: @autoclosure () -> String, stepID: String?) -> (Workflow, ChildWorkflow?)? {
        guard case .mapping = node else {
            mismatch(node, at: path(), stepID: stepID, expected: "a workflow mapping (name, steps, ...)",
                     hint: "write the child under workflow: with its own name: and steps:, or name its file with file:")
            return nil
        }
        var context = childContext
        context.depth += 1
        let (child, childProblems) = WorkflowLoader.decodeAndValidate(root: node, fileName: file, context: context)
        problems += childProblems
        guard childProblems.isEmpty, let text = YAMLEmitter.text(of: node) else { return (child.workflow, nil) }
        return (child.workflow, ChildWorkflow(fileName: file, text: text, files: child.files, inline: true))
    }

    /// Each `with:` key must be a parameter the child declares.
    private mutating func checkChildParameters(_ node: YAMLNode?, child: Workflow, path: @autoclosure () -> String, stepID: String?) {
        guard let node, case .mapping(let mapping) = node else { return }
        for (keyNode, _) in mapping {
            guard case .scalar(let key) = keyNode, child.params[key.string] == nil else { continue }
            let declared = child.params.keys.sorted()
            report(.unknownParameter, at: keyNode, field: "\(path()).\(key.string)", stepID: stepID,
                   "the child workflow '\(child.name)' declares no parameter '\(key.string)'",
                   hint: KeySuggester.hint(for: key.string, among: declared)
                       ?? (declared.isEmpty ? "declare it in the child's params:" : "declared parameters: \(declared.joined(separator: ", "))"))
        }
    }
}
