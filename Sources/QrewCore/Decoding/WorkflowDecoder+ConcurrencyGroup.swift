extension WorkflowDecoder {
    /// Longest `concurrencyGroup` name.
    static let concurrencyGroupMaxLength = 200

    /// `concurrencyGroup: NAME` and `cancelInProgress: true|false` at the top level.
    mutating func decodeConcurrencyGroup(_ fields: MappingFields, into workflow: inout Workflow) {
        if let node = fields["concurrencyGroup"], let group = string(node, at: "concurrencyGroup", stepID: nil) {
            if group.isEmpty || group.utf8.count > Self.concurrencyGroupMaxLength || group.contains("${{") {
                report(.invalidValue, at: node, field: "concurrencyGroup", stepID: nil,
                       "'concurrencyGroup' must be a plain name of 1 to \(Self.concurrencyGroupMaxLength) bytes (templates are not rendered here)",
                       hint: "write e.g. concurrencyGroup: deploy-production")
            } else {
                workflow.concurrencyGroup = group
            }
        }
        if let node = fields["cancelInProgress"] {
            workflow.cancelInProgress = bool(node, at: "cancelInProgress", stepID: nil) ?? false
            if fields["concurrencyGroup"] == nil {
                report(.inapplicableKey, at: node, field: "cancelInProgress", stepID: nil,
                       "'cancelInProgress' needs a 'concurrencyGroup' to apply to",
                       hint: "add concurrencyGroup: NAME (runs of the same name cancel each other), or remove cancelInProgress")
            }
        }
    }
}
