extension Workflow {
    /// The files the child workflows of this workflow's steps include, by resolved path: the
    /// texts their `file:` keys name and, transitively, what those include.
    var childWorkflowFiles: [String: String] {
        var files: [String: String] = [:]
        for index in steps.indices {  // by index: iterating would copy every (large) step
            guard let child = steps[index].childWorkflow else { continue }
            files.merge(child.files) { first, _ in first }
            if !child.inline { files[child.fileName] = child.text }
        }
        return files
    }
}
