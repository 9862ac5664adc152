import Foundation
import Testing

/// `qctl plan` (text and `--json`) announces what is decided at run time: a dynamic fan-out as one
/// node expanding over `steps.S.output` (with S as its dependency), a step's `if:`, and approval
/// and wait steps as such. Offline: no Redis is needed.
@Suite("qctl plan: dynamic fan-outs, conditions, waits")
struct PlanRunTimeTests {
    static let workflow = """
        name: nightly
        steps:
          - id: list
            run: [echo, '["a","b"]']
          - id: fan
            matrix: { item: "${{ fromJSON(steps.list.output) }}" }
            run: [echo, "${{ matrix.item }}"]
          - id: approve
            type: approval
            dependsOn: [fan]
            approvers: [alice, bob]
          - id: landed
            type: wait
            dependsOn: [approve]
            event: data-landed
          - id: pause
            type: wait
            dependsOn: [landed]
            duration: 90s
          - id: cleanup
            dependsOn: [pause]
            if: always()
            run: [echo, done]
        """

    @Test func theTextPlanNotesEachRunTimeDecision() async throws {
        let result = try await qctl("plan", "--offline", try temporaryFile("nightly.yaml", Self.workflow))
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("1 dynamic fan-out(s) count as one task each here; they expand at run time"), "\(result.stdout)")
        // A table row: "<order>  <task>  <priority>  <level>  <depends on>  <at run time>".
        func row(_ task: String) -> String {
            lines.first { line in
                let words = line.split(separator: " ")
                return words.count > 1 && Int(words[0]) != nil && words[1] == Substring(task)
            } ?? ""
        }
        #expect(row("fan").contains("list") && row("fan").hasSuffix("dynamic fan-out: one task per element of steps.list.output (matrix.item)"), "\(result.stdout)")
        #expect(row("approve").hasSuffix("waits for approval (approvers: alice, bob)"), "\(result.stdout)")
        #expect(row("landed").hasSuffix("waits for event data-landed"), "\(result.stdout)")
        #expect(row("pause").hasSuffix("waits 90s"), "\(result.stdout)")
        #expect(row("cleanup").hasSuffix("if: always()"), "\(result.stdout)")
        #expect(!row("list").isEmpty && !row("list").contains("dynamic") && !row("list").contains("if:"), "\(result.stdout)")
        #expect(lines.contains { $0.contains("at run time") }, "\(result.stdout)")
    }

    @Test func theJSONPlanCarriesFanOutConditionAndWaits() async throws {
        let result = try await qctl("plan", "--offline", "--json", try temporaryFile("nightly.yaml", Self.workflow))
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let tasks = try #require(object["tasks"] as? [[String: Any]])
        func task(_ id: String) -> [String: Any] { tasks.first { $0["id"] as? String == id } ?? [:] }
        #expect(object["taskCount"] as? Int == 6)
        #expect(task("fan")["dependsOn"] as? [String] == ["list"])
        let fanOut = try #require(task("fan")["fanOut"] as? [String: String])
        #expect(fanOut == ["key": "item", "source": "list", "over": "steps.list.output"])
        #expect(task("list")["fanOut"] == nil && task("list")["condition"] == nil && task("list")["waitsFor"] == nil)
        #expect(task("cleanup")["condition"] as? String == "always()")
        let approval = try #require(task("approve")["waitsFor"] as? [String: Any])
        #expect(approval["kind"] as? String == "approval" && approval["approvers"] as? [String] == ["alice", "bob"])
        let event = try #require(task("landed")["waitsFor"] as? [String: Any])
        #expect(event["kind"] as? String == "event" && event["event"] as? String == "data-landed")
        let sleep = try #require(task("pause")["waitsFor"] as? [String: Any])
        #expect(sleep["kind"] as? String == "duration" && sleep["seconds"] as? Double == 90)
    }
}
