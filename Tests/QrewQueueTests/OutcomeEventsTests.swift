import QrewQueue
import Testing

/// Reading a run's stream for some event types only (`qctl ... --wait` reads `run_finished`
/// alone): batch entries that name none of them are skipped, and the last entry read is
/// reported so a reader goes on after it.
@Suite("run events by type")
struct OutcomeEventsTests {
    @Test func onlyTheWantedEventsAreReturnedWithTheLastEntryRead() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a"), task("b"), task("c")], fields: ["retention": "60000"])
            let claimed = try await q.claimExactly(3)
            let none = try await q.queue.runEvents("r1", after: "0", types: ["run_finished"])
            #expect(none.events.isEmpty)
            let all = try await q.queue.runEvents("r1")
            #expect(none.lastID == all.last?.id)

            for task in claimed { try await q.succeed(task) }
            let finished = try await q.queue.runEvents("r1", after: "0", types: ["run_finished"])
            #expect(finished.events.map { $0.fields["type"] } == ["run_finished"])
            #expect(finished.events.first?.fields["state"] == "succeeded")
            let everything = try await q.queue.runEvents("r1")
            #expect(finished.lastID == everything.last?.id)
            // Several types, from after an entry, in stream order.
            let some = try await q.queue.runEvents("r1", after: "0", types: ["task_started", "run_finished"])
            #expect(some.events.map { $0.fields["type"] ?? "" } == ["task_started", "task_started", "task_started", "run_finished"])

            // Following: nothing after the last entry within the block.
            let quiet = try await q.queue.followRunEvents("r1", after: everything.last?.id ?? "0", block: .milliseconds(50), types: ["run_finished"])
            #expect(quiet.events.isEmpty && quiet.lastID == nil)
            let followed = try await q.queue.followRunEvents("r1", after: "0", block: .milliseconds(50), types: ["run_finished"])
            #expect(followed.events.count == 1 && followed.lastID == everything.last?.id)
        }
    }
}
