import Foundation
import Testing
@testable import QrewCore

struct PlanAnalysisTests {
    static func diamond(cPriority: Int = 0) throws -> TaskGraph {
        try TaskGraph(workflow: Workflow(name: "diamond", steps: [
            Step(id: "a", run: ["x"]),
            Step(id: "b", run: ["x"], dependsOn: ["a"]),
            Step(id: "c", run: ["x"], priority: cPriority, dependsOn: ["a"]),
            Step(id: "d", run: ["x"], dependsOn: ["b", "c"]),
        ]))
    }

    @Test func diamond() throws {
        let analysis = PlanAnalysis(graph: try Self.diamond())
        #expect(analysis.levels == [["a"], ["b", "c"], ["d"]])
        #expect(analysis.criticalPath == ["a", "b", "d"])
        #expect(analysis.maxWidth == 2)
        #expect(analysis.parallelizationRatio == 4.0 / 3.0)
        #expect(analysis.priorityOrder == ["a", "b", "c", "d"])
        #expect(analysis.criticalPathByDuration == nil)
    }

    @Test func priorityOrdersLevelsAndSingleSlotOrder() throws {
        let analysis = PlanAnalysis(graph: try Self.diamond(cPriority: 5))
        #expect(analysis.levels == [["a"], ["c", "b"], ["d"]])
        #expect(analysis.priorityOrder == ["a", "c", "b", "d"])
        #expect(analysis.criticalPath == ["a", "b", "d"])
    }

    @Test func criticalPathByDuration() throws {
        let estimates: [String: Duration] = ["a": .seconds(1), "b": .seconds(2), "c": .seconds(5)]
        let analysis = PlanAnalysis(graph: try Self.diamond(), durationEstimates: estimates)
        #expect(analysis.criticalPathByDuration == ["a", "c", "d"])
        #expect(analysis.criticalPathDuration == .seconds(6))
        #expect(PlanAnalysis(graph: try Self.diamond(), durationEstimates: [:]).criticalPathByDuration == ["a", "b", "d"])
    }

    @Test func chain() throws {
        let steps = (0..<5).map { Step(id: "s\($0)", run: ["x"], dependsOn: $0 == 0 ? [] : ["s\($0 - 1)"]) }
        let analysis = PlanAnalysis(graph: try TaskGraph(workflow: Workflow(name: "chain", steps: steps)))
        #expect(analysis.levels == [["s0"], ["s1"], ["s2"], ["s3"], ["s4"]])
        #expect(analysis.criticalPath == ["s0", "s1", "s2", "s3", "s4"])
        #expect(analysis.maxWidth == 1)
        #expect(analysis.parallelizationRatio == 1)
        #expect(analysis.priorityOrder == ["s0", "s1", "s2", "s3", "s4"])
    }

    @Test func wideFan() throws {
        var steps = [Step(id: "root", run: ["x"])]
        steps += [("l0", 0), ("l1", 3), ("l2", -1), ("l3", 3), ("l4", 0)].map { id, priority in
            Step(id: id, run: ["x"], priority: priority, dependsOn: ["root"])
        }
        let analysis = PlanAnalysis(graph: try TaskGraph(workflow: Workflow(name: "fan", steps: steps)))
        #expect(analysis.levels == [["root"], ["l1", "l3", "l0", "l4", "l2"]])
        #expect(analysis.maxWidth == 5)
        #expect(analysis.parallelizationRatio == 3)
        #expect(analysis.criticalPath == ["root", "l0"])
        #expect(analysis.priorityOrder == ["root", "l1", "l3", "l0", "l4", "l2"])
    }

    @Test func reportEncodesAStableDocument() throws {
        let graph = try Self.diamond()
        let analysis = PlanAnalysis(graph: graph, durationEstimates: ["a": .milliseconds(1500)])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = try #require(String(data: try encoder.encode(PlanReport(graph: graph, analysis: analysis)), encoding: .utf8))
        #expect(json.hasPrefix(#"{"criticalPath":["a","b","d"],"criticalPathByDuration":["a","b","d"],"criticalPathDuration":1.5,"levels":[["a"],["b","c"],["d"]],"name":"diamond","parallelizationRatio":1.3333333333333333,"priorityOrder":["a","b","c","d"],"taskCount":4,"tasks":[{"dependsOn":[],"id":"a","level":0,"priority":32,"step":"a"}"#))
        let decoded = try JSONDecoder().decode(PlanReport.self, from: Data(json.utf8))
        #expect(decoded.width == 2)
        #expect(decoded.tasks.map(\.level) == [0, 1, 1, 2])
    }
}
