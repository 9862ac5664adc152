import QrewQueue
import Testing

/// Reading the progress events of run-stream entries and live messages (no Redis needed).
struct ProgressEventsTests {
    @Test func aSingleEventEntryIsItself() throws {
        let entry = StreamEntry(id: "5-0", fields: ["type": "task_started", "task": "a", "ts": "5"])
        #expect(try entry.progressEvents() == [entry])
    }

    @Test func aBatchEntryBecomesItsEventsInOrderWithItsID() throws {
        let json = #"[["type","task_finished","task","a\/b","state","succeeded","ts","7"],"#
            + #"["type","run_finished","run","r","state","succeeded","ts","7"]]"#
        let batch = StreamEntry(id: "7-1", fields: ["type": "batch", "ts": "7", "events": json])
        let events = try batch.progressEvents()
        #expect(events == [
            StreamEntry(id: "7-1", fields: ["type": "task_finished", "task": "a/b", "state": "succeeded", "ts": "7"]),
            StreamEntry(id: "7-1", fields: ["type": "run_finished", "run": "r", "state": "succeeded", "ts": "7"]),
        ])
    }

    @Test func aGroupBecomesOneEventPerTaskWithTheSharedFieldsAndItsOwnNonEmptyValues() throws {
        let json = #"[["type","run_queued","run","r","ts","7"],"#
            + #"{"fields":["type","task_finished","state","succeeded","attempt","1","ts","7"],"#
            + #""each":{"task":["a","b","c"],"stdout":["hi","","x\ny"]}},"#
            + #"["type","run_finished","run","r","state","succeeded","ts","7"]]"#
        let batch = StreamEntry(id: "7-1", fields: ["type": "batch", "ts": "7", "events": json])
        let finished = ["type": "task_finished", "state": "succeeded", "attempt": "1", "ts": "7"]
        #expect(try batch.progressEvents() == [
            StreamEntry(id: "7-1", fields: ["type": "run_queued", "run": "r", "ts": "7"]),
            StreamEntry(id: "7-1", fields: finished.merging(["task": "a", "stdout": "hi"]) { $1 }),
            StreamEntry(id: "7-1", fields: finished.merging(["task": "b"]) { $1 }),
            StreamEntry(id: "7-1", fields: finished.merging(["task": "c", "stdout": "x\ny"]) { $1 }),
            StreamEntry(id: "7-1", fields: ["type": "run_finished", "run": "r", "state": "succeeded", "ts": "7"]),
        ])
    }

    @Test(arguments: [
        #"[{"each":{"task":["a"]}}]"#, #"[{"fields":["type","x"]}]"#, #"[{"fields":["type","x"],"each":{"task":"a"}}]"#,
        #"[{"fields":["type","x"],"each":{"task":["a","b"],"stdout":["x"]}}]"#,
        #"[{"fields":["type","x"],"each":{"task":["a",1]}}]"#, #"[{"fields":["type",2],"each":{"task":["a"]}}]"#,
    ])
    func aMalformedGroupIsAnError(json: String) {
        let batch = StreamEntry(id: "1-0", fields: ["type": "batch", "events": json])
        #expect(throws: QueueError.self) { try batch.progressEvents() }
    }

    @Test func aLiveMessageCarriesItsEntryID() throws {
        let text = #"{"id":"9-0","events":[["type","output","task","t","stream","stdout","lines","x\ny","ts","9"]]}"#
        #expect(try StreamEntry.progressEvents(liveMessage: text) == [
            StreamEntry(id: "9-0", fields: ["type": "output", "task": "t", "stream": "stdout", "lines": "x\ny", "ts": "9"]),
        ])
    }

    @Test(arguments: [
        "", "[", "{}", #"{"events":[]}"#, #"{"id":"1-0"}"#, #"{"id":"1-0","events":{}}"#,
        #"{"id":"1-0","events":[{"type":"x"}]}"#, #"{"id":"1-0","events":[["type",1]]}"#, #"{"id":"1-0","events":[1]}"#,
    ])
    func aMalformedLiveMessageIsAnError(text: String) {
        #expect(throws: QueueError.self) { try StreamEntry.progressEvents(liveMessage: text) }
    }

    @Test func aMalformedBatchIsAnError() {
        let batch = StreamEntry(id: "1-0", fields: ["type": "batch", "events": #"[["type""#])
        #expect(throws: QueueError.self) { try batch.progressEvents() }
    }
}
