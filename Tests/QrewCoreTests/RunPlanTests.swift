import QrewCore
import Testing

/// `RunPlan`: levels, longest chain and edges rebuilt from stored task records.
struct RunPlanTests {
    private func input(_ id: String, step: String? = nil, _ dependents: [String] = []) -> RunPlan.Input {
        RunPlan.Input(id: id, step: step ?? id, priority: 0, dependents: dependents)
    }

    @Test func levelsFollowTheDeepestDependency() {
        // a -> b -> d, a -> c -> d, a -> d; e alone.
        let plan = RunPlan(run: "r", name: "w", tasks: [
            input("a", ["b", "c", "d"]), input("b", ["d"]), input("c", ["d"]), input("d"), input("e"),
        ])
        #expect(plan.levels == [["a", "e"], ["b", "c"], ["d"]])
        #expect(plan.tasks.first { $0.id == "d" }?.dependsOn == ["a", "b", "c"])
        #expect(plan.edges.count == 5)
        #expect(plan.criticalPath.count == 3)
        #expect(plan.criticalPath.first == "a" && plan.criticalPath.last == "d")
        #expect(plan.width == 2)
        #expect(plan.taskCount == 5)
    }

    @Test func aMatrixStepSharesALevel() {
        let plan = RunPlan(run: "r", name: "w", tasks: [
            input("prep", ["build[x=1]", "build[x=2]"]),
            input("build[x=1]", step: "build", ["ship"]), input("build[x=2]", step: "build", ["ship"]),
            input("ship"),
        ])
        #expect(plan.levels.map(\.count) == [1, 2, 1])
        #expect(plan.tasks.filter { $0.step == "build" }.allSatisfy { $0.level == 1 })
    }

    @Test func dependentsNotStoredAreLeftOutAndEmptyRunsHaveNoLevels() {
        let plan = RunPlan(run: "r", name: "w", tasks: [input("a", ["missing"])])
        #expect(plan.edges.isEmpty)
        #expect(plan.levels == [["a"]])
        #expect(RunPlan(run: "r", name: "w", tasks: []).levels.isEmpty)
    }

    @Test func aCycleEndsOnTheLastLevelInsteadOfLooping() {
        let plan = RunPlan(run: "r", name: "w", tasks: [input("a", ["b"]), input("b", ["c"]), input("c", ["b"])])
        #expect(plan.levels.count == 2)
        #expect(plan.levels.last == ["b", "c"])
    }

    @Test func aLongChainIsTheCriticalPath() {
        let count = 2000
        let tasks = (0..<count).map { input("t\($0)", $0 + 1 < count ? ["t\($0 + 1)"] : []) }
        let plan = RunPlan(run: "r", name: "w", tasks: tasks)
        #expect(plan.levels.count == count)
        #expect(plan.criticalPath == tasks.map(\.id))
    }
}
