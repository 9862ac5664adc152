import QrewCore
import Synchronization

/// The workflows most recently loaded from submitted texts: a file submitted again (a scheduled
/// job, a CI pipeline, a client that submits the same workflow with new parameters) skips YAML
/// parsing and validation, which are most of the intake of a small run. Only successful loads
/// are kept (a text with problems is loaded again, so its errors name the submitted file), only
/// texts up to `maxTextBytes`, at most `capacity` of them; the least recently used leaves first.
final class WorkflowCache: Sendable {
    private struct Entry {
        let workflow: ValidatedWorkflow
        var lastUse: UInt64
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var uses: UInt64 = 0
    }

    let capacity: Int
    let maxTextBytes: Int
    private let state = Mutex(State())

    init(capacity: Int = 64, maxTextBytes: Int = 64 * 1024) {
        self.capacity = capacity
        self.maxTextBytes = maxTextBytes
    }

    /// The workflow `text` holds: from the cache, or from `load` (whose result is then kept).
    func workflow(
        for text: String, load: () throws(WorkflowValidationError) -> ValidatedWorkflow
    ) throws(WorkflowValidationError) -> ValidatedWorkflow {
        guard text.utf8.count <= maxTextBytes else { return try load() }
        let cached = state.withLock { state -> ValidatedWorkflow? in
            state.uses += 1
            state.entries[text]?.lastUse = state.uses
            return state.entries[text]?.workflow
        }
        if let cached { return cached }
        let workflow = try load()
        state.withLock { state in
            if state.entries.count >= capacity,
               let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
                state.entries.removeValue(forKey: oldest)
            }
            state.uses += 1
            state.entries[text] = Entry(workflow: workflow, lastUse: state.uses)
        }
        return workflow
    }

    /// How many texts are kept now.
    var count: Int { state.withLock { $0.entries.count } }
}
