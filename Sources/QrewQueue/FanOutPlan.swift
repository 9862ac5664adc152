import Foundation
import QrewCore

/// What the placeholder of a dynamic fan-out carries (task field `fanOut`, JSON) for the leader
/// to make its tasks once the source step's output is known: the matrix key, the source, and
/// everything of a task record but the id and spec (the placeholder's spec is the tasks' spec
/// before the matrix value is put in).
struct FanOutPlan: Codable, Sendable, Hashable {
    /// The matrix key the elements are bound to.
    var key: String
    /// The task id whose output is the list (the source step has one task).
    var source: String
    var queue: String
    var priority: Int
    var limits: [String]
    var refs: [String]
    var maxAttempts: Int
    var continueOnError: Bool
    var lostRetry: String
    /// Further task fields of each task (gates, scheduling), before `join` is added.
    var fields: [String: String]

    /// Attempts a placeholder gets: a leader that dies while expanding leaves its lease to expire,
    /// and the next leader expands again.
    static let placeholderAttempts = 5
    /// How a placeholder's lost expansion is retried (`TaskRecord.lostRetry`).
    static let placeholderLostRetry = "fixed,1000,1000,0"

    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    init?(jsonText: String) {
        guard let plan = try? FoundationJSON.decode(FanOutPlan.self, from: Data(jsonText.utf8)) else { return nil }
        self = plan
    }

    init(
        key: String, source: String, queue: String, priority: Int, limits: [String], refs: [String], maxAttempts: Int,
        continueOnError: Bool, lostRetry: String, fields: [String: String]
    ) {
        self.key = key
        self.source = source
        self.queue = queue
        self.priority = priority
        self.limits = limits
        self.refs = refs
        self.maxAttempts = maxAttempts
        self.continueOnError = continueOnError
        self.lostRetry = lostRetry
        self.fields = fields
    }

    /// The tasks of step `stepID` for the list elements `elements`, in order: ids `step[i]`,
    /// `spec` (the placeholder's) with the element as `${{ matrix.KEY }}`, ready at once, each
    /// joined to the placeholder.
    func children(stepID: String, spec: TaskSpec, elements: [String]) throws(TemplateError) -> [TaskRecord] {
        var fields = self.fields
        fields["join"] = stepID
        var records: [TaskRecord] = []
        records.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            let id = TaskSpec.fanOutTaskID(stepID: stepID, index: index)
            let childSpec = try spec.expanded(key: key, value: element, taskID: id)
            records.append(TaskRecord(
                id: id, step: stepID, queue: queue, priority: priority, deps: 0, dependents: [], limits: limits,
                refs: refs, spec: childSpec.jsonText, maxAttempts: maxAttempts, continueOnError: continueOnError,
                lostRetry: lostRetry, fields: fields))
        }
        return records
    }
}
