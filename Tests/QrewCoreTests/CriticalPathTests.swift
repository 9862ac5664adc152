import Foundation
import Testing
@testable import QrewCore

/// The critical-path bonus of the score: the longest remaining path below a task, by step count
/// or by estimated duration, scaled into `0...criticalPathBonusCap`.
struct CriticalPathTests {
    static func chain(_ count: Int) -> Workflow {
        Workflow(name: "chain", steps: (0..<count).map {
            Step(id: "s\($0)", run: ["x"], complexity: .simple, dependsOn: $0 == 0 ? [] : ["s\($0 - 1)"])
        })
    }

    @Test func aChainsBonusFallsFromTheCapAtItsHeadToZeroAtItsEnd() throws {
        let graph = try TaskGraph(workflow: Self.chain(5))
        // simple 10 + one dependent 1 (none for the last) + round(10 · remaining / 4).
        #expect(graph.tasks.map(\.priority) == [10 + 1 + 10, 10 + 1 + 8, 10 + 1 + 5, 10 + 1 + 3, 10])
    }

    @Test func theLongerBranchGoesFirstByStepCount() throws {
        // root → short (leaf) and root → long → long2 → long3: `long` heads the longer path.
        let graph = try TaskGraph(workflow: Workflow(name: "w", steps: [
            Step(id: "root", run: ["x"]),
            Step(id: "short", run: ["x"], dependsOn: ["root"]),
            Step(id: "long", run: ["x"], dependsOn: ["root"]),
            Step(id: "long2", run: ["x"], dependsOn: ["long"]),
            Step(id: "long3", run: ["x"], dependsOn: ["long2"]),
        ]))
        #expect(try #require(graph["long"]).priority > graph["short"]?.priority ?? .max)
        #expect(PlanAnalysis(graph: graph).priorityOrder.prefix(2) == ["root", "long"])
    }

    @Test func estimatesDecideWhichBranchIsCritical() throws {
        // Two branches of two steps; by count they tie, by duration `slow` is the long one.
        let workflow = Workflow(name: "w", steps: [
            Step(id: "root", run: ["x"]),
            Step(id: "fast", run: ["x"], dependsOn: ["root"]),
            Step(id: "fastEnd", run: ["x"], dependsOn: ["fast"]),
            Step(id: "slow", run: ["x"], dependsOn: ["root"]),
            Step(id: "slowEnd", run: ["x"], dependsOn: ["slow"]),
        ])
        let byCount = try TaskGraph(workflow: workflow)
        #expect(byCount["fast"]?.priority == byCount["slow"]?.priority)
        let estimates: [String: Duration] = ["fastEnd": .seconds(1), "slowEnd": .seconds(60)]
        let byDuration = try TaskGraph(workflow: workflow, durationEstimates: estimates)
        #expect(try #require(byDuration["slow"]).priority > byDuration["fast"]?.priority ?? .max)
        #expect(PlanAnalysis(graph: byDuration).priorityOrder.prefix(2) == ["root", "slow"])
    }

    @Test func aStepWithoutAnEstimateWeighsTheMeanOfTheKnownOnes() {
        let weights = CriticalPath.weights(stepIDs: ["a", "b", "c", "a"], estimates: ["a": .seconds(1), "b": .seconds(3)])
        #expect(weights == [1000, 3000, 2000, 1000])
        #expect(CriticalPath.weights(stepIDs: ["a", "b"], estimates: [:]) == [1, 1])
        #expect(CriticalPath.weights(stepIDs: ["a"], estimates: ["a": .seconds(-5)]) == [0])
        #expect(CriticalPath.weights(stepIDs: ["a"], estimates: ["a": .seconds(Int64.max)]) == [CriticalPath.maximumWeight])
    }

    @Test func aCapOfZeroTurnsTheBonusOffAndAHugeCapIsBounded() throws {
        let off = try TaskGraph(workflow: Self.chain(3), priorityTables: PriorityTables(criticalPathBonusCap: 0))
        #expect(off.tasks.map(\.priority) == [11, 11, 10])
        let huge = try TaskGraph(workflow: Self.chain(3), priorityTables: PriorityTables(criticalPathBonusCap: .max))
        #expect(huge.tasks.first?.priority == 11 + PriorityTables.criticalPathBonusLimit)
    }

    @Test func theCapIsPartOfTheScoringTables() throws {
        let tables = try JSONDecoder().decode(PriorityTables.self, from: Data(#"{"criticalPathBonusCap": 25}"#.utf8))
        #expect(tables.criticalPathBonusCap == 25 && tables.dependentsBonusCap == 10)
        #expect(try JSONDecoder().decode(PriorityTables.self, from: Data("{}".utf8)).criticalPathBonusCap == 10)
        let graph = try TaskGraph(workflow: Self.chain(2), priorityTables: tables)
        #expect(graph.tasks.map(\.priority) == [10 + 1 + 25, 10])
    }

    @Test(arguments: Array(UInt64(1)...100))
    func remainingPathsAndBonusesHoldTheirInvariantsOnRandomGraphs(seed: UInt64) throws {
        let workflow = RandomGraphPropertyTests.workflow(seed: seed)
        var random = SplitMix64(seed: seed)
        var estimates: [String: Duration] = [:]
        for step in workflow.steps where Bool.random(using: &random) {
            estimates[step.id] = .milliseconds(Int.random(in: 0...600_000, using: &random))
        }
        for durations in [[:], estimates] {
            let graph = try TaskGraph(workflow: workflow, durationEstimates: durations)
            let weights = CriticalPath.weights(stepIDs: graph.tasks.map(\.stepID), estimates: durations)
            let remaining = CriticalPath.remaining(dependents: graph.dependents, weights: weights)
            let bonuses = PriorityTables.default.criticalPathBonuses(dependents: graph.dependents, weights: weights)
            for task in graph.tasks.indices {
                #expect(bonuses[task] >= 0 && bonuses[task] <= PriorityTables.default.criticalPathBonusCap)
                #expect(NumericBounds.score.contains(graph.tasks[task].priority))
                var longest: Int64 = 0
                for dependent in graph.dependents.neighbors(of: task) {
                    // A task's path is at least each dependent's plus that dependent's own weight …
                    #expect(remaining[task] >= remaining[dependent] + weights[dependent])
                    // … and its bonus never below a dependent's.
                    #expect(bonuses[task] >= bonuses[dependent])
                    longest = max(longest, remaining[dependent] + weights[dependent])
                }
                // … and no more than the longest of them (0 for a task nothing waits on).
                #expect(remaining[task] == longest)
            }
            // By step count, a root's remaining path is the critical path's length less one.
            if durations.isEmpty, let top = remaining.max() {
                #expect(Int(top) == PlanAnalysis(graph: graph).criticalPath.count - 1)
            }
        }
    }
}
