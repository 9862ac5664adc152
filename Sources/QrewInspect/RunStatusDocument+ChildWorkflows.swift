extension RunStatusDocument {
    /// The workflow step a child run belongs to: its run and task id.
    public struct ParentLink: Encodable, Sendable {
        public let run: String
        public let task: String

        /// The link in a run's fields (`parent`, `parentTask`), or nil for a run that is no child.
        public init?(_ fields: [String: String]) {
            guard let run = fields["parent"], !run.isEmpty else { return nil }
            self.run = run
            task = fields["parentTask"] ?? ""
        }
    }

    /// A child run of one of the run's workflow steps, with its state when it was read.
    public struct ChildLink: Encodable, Sendable {
        public let run: String
        public let task: String
        public let state: String
    }
}
