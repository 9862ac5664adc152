extension WorkflowLoader {
    /// The top-level `name` of a workflow text as written, read without loading the workflow:
    /// libyaml's events are walked up to that key's value (no nodes, no decoding, no validation),
    /// so a submitter can name a run after a workflow it leaves to the coordinator to load
    /// (`qctl submit` of a big file). Nil when the text is not a YAML (or JSON) mapping with a
    /// scalar `name`, or is not readable up to it; such a text fails the coordinator's load anyway.
    public static func declaredName(in text: String) -> String? {
        YAMLComposer.topLevelScalar(forKey: "name", in: JSONText.normalizingTabs(in: text))
    }
}
