import QrewCore
@testable import QrewQueue
import Testing

/// What a submission stores for the gates: limit names and task fields carry every setting, so
/// claim and complete look nothing up; tasks without gates carry nothing.
struct GateRecordTests {
    @Test func gateSettingsTravelInTheNamesAndKeysAreEscaped() throws {
        let workflow = try WorkflowLoader.load(text: """
            name: g
            params: { customer: "a,b" }
            steps:
              - id: call
                type: echo
                circuitBreaker: { failures: 3, window: 1m, cooldown: 5s, key: "100%" }
                rateLimit: { limit: 50, per: 1s }
                concurrency: { key: "${{ params.customer }}", limit: 2 }
              - id: plain
                type: echo
            """)
        let graph = try TaskGraph(workflow: try workflow.applyingParameters([:]))
        let record = RunRecordBuilder.storage(
            runID: "r", workflow: workflow, graph: graph, file: "g.yaml", params: [:], retention: .seconds(60), signer: nil).record
        let call = try #require(record.tasks.first { $0.id == "call" })
        #expect(call.limits == ["key:2:a%2Cb"])
        #expect(call.fields == ["gates": "breaker:3:60000:5000:100%25,rate:50:1000:call", "concurrencyKey": "a,b"])
        let plain = try #require(record.tasks.first { $0.id == "plain" })
        #expect(plain.limits.isEmpty)
        #expect(plain.fields.isEmpty)
        #expect(record.limits.isEmpty, "keyed limits need no capacity entry")
    }
}
