extension RunStatusDocument {
    /// The workflow step a child run belongs to: its run and task id.
    struct ParentLink: Encodable {
        let run: String
        let task: String

        /// The link in a run's fields (`parent`, `parentTask`), or nil for a run that is no child.
        init?(_ fields: [String: String]) {
            guard let run = fields["parent"], !run.isEmpty else { return nil }
            self.run = run
            task = fields["parentTask"] ?? ""
        }
    }

    /// A child run of one of the run's workflow steps, with its state when it was read.
    struct ChildLink: Encodable {
        let run: String
        let task: String
        let state: String
    }
}
