import Foundation
import Testing
@testable import QrewCore

struct PriorityTablesTests {
    @Test(arguments: [
        (Step.Complexity.meta, "security", 0, 0, 55),
        (.complex, "database", 0, 5, 47),
        (.medium, "api", 3, 0, 31),
        (.simple, "tests", 0, -2, 3),
        (.simple, "unknown-kind", 25, 0, 20),
        (nil, nil, 0, 0, 20),
        (.simple, "AUTH", 1, 0, 26),
    ] as [(Step.Complexity?, String?, Int, Int, Int)])
    func defaultTableScores(_ complexity: Step.Complexity?, _ kind: String?, _ dependents: Int, _ offset: Int, _ expected: Int) {
        let step = Step(id: "s", complexity: complexity, kind: kind, priority: offset)
        #expect(PriorityTables.default.score(for: step, dependents: dependents) == expected)
    }

    @Test func customTablesAreHonoured() throws {
        let json = #"{"kindPoints": {"ml": 50}, "dependentsBonusCap": 2, "defaultComplexity": "simple"}"#
        let tables = try JSONDecoder().decode(PriorityTables.self, from: Data(json.utf8))
        #expect(tables.complexityPoints == PriorityTables.default.complexityPoints)
        #expect(tables.score(for: Step(id: "s", kind: "ml"), dependents: 9) == 10 + 50 + 2)
        #expect(tables.score(for: Step(id: "s", kind: "security"), dependents: 0) == 10)
    }

    @Test func dependentsBonusIsCappedInPlannedTasks() throws {
        var steps = [Step(id: "root", run: ["x"], complexity: .simple)]
        steps += (0..<15).map { Step(id: "leaf\($0)", run: ["x"], complexity: .simple, dependsOn: ["root"]) }
        let graph = try TaskGraph(workflow: Workflow(name: "cap", steps: steps))
        // simple 10 + dependents 10 (capped) + critical path 10 (the root heads the longest path).
        #expect(graph["root"]?.priority == 30)
        #expect(graph["leaf0"]?.priority == 10)
        let capped = try TaskGraph(workflow: Workflow(name: "cap", steps: steps), priorityTables: PriorityTables(dependentsBonusCap: 3))
        #expect(capped["root"]?.priority == 23)
    }
}
