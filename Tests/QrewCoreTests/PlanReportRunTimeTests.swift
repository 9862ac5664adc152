import Foundation
import Testing
@testable import QrewCore

/// `PlanReport` marks what the run decides: a dynamic fan-out node (over `steps.S.output`), an
/// `if:` as written, approvals and waits; plain tasks carry none of these keys, so the document
/// of a plain workflow is unchanged.
struct PlanReportRunTimeTests {
    static let workflow = """
    name: nightly
    steps:
      - id: list
        run: [echo, '["a"]']
      - id: fan
        matrix: { item: "${{ fromJSON(steps.list.output) }}" }
        run: [echo, "${{ matrix.item }}"]
      - id: approve
        type: approval
        dependsOn: [fan]
      - id: pause
        type: wait
        dependsOn: [approve]
        duration: 1500ms
      - id: notify
        dependsOn: [pause]
        if: failure() && steps.fan.state == 'failed'
        run: [echo, oops]
    """

    @Test func tasksCarryFanOutConditionAndWaits() throws {
        let graph = try TaskGraph(workflow: try WorkflowLoader.load(text: Self.workflow, fileName: "nightly.yaml"))
        let report = PlanReport(graph: graph, analysis: PlanAnalysis(graph: graph))
        let tasks = Dictionary(uniqueKeysWithValues: report.tasks.map { ($0.id, $0) })
        #expect(report.taskCount == 5)
        #expect(tasks["fan"]?.fanOut == PlanReport.FanOut(DynamicMatrix(key: "item", sourceStep: "list")))
        #expect(tasks["fan"]?.fanOut?.over == "steps.list.output")
        #expect(tasks["fan"]?.dependsOn == ["list"])
        #expect(tasks["approve"]?.waitsFor?.kind == "approval" && tasks["approve"]?.waitsFor?.approvers == [])
        #expect(tasks["pause"]?.waitsFor?.kind == "duration" && tasks["pause"]?.waitsFor?.seconds == 1.5)
        #expect(tasks["notify"]?.condition == "failure() && steps.fan.state == 'failed'")
        #expect(tasks["list"]?.fanOut == nil && tasks["list"]?.condition == nil && tasks["list"]?.waitsFor == nil)

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json.contains(#"{"dependsOn":[],"id":"list","level":0,"#), "plain tasks carry no new keys: \(json)")
        #expect(json.contains(#""fanOut":{"key":"item","over":"steps.list.output","source":"list"}"#), "\(json)")
        #expect(try JSONDecoder().decode(PlanReport.self, from: Data(json.utf8)) == report)
    }
}
