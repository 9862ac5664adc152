import Testing
@testable import QrewCore

/// Invariants that must hold for every DAG, checked over many seeded random workflows.
struct RandomGraphPropertyTests {
    static let seeds: [UInt64] = Array(1...200)

    static func workflow(seed: UInt64) -> Workflow {
        var random = SplitMix64(seed: seed &* 7919)
        let stepCount = Int.random(in: 1...300, using: &random)
        let dependencies = Int.random(in: 0...4, using: &random)
        let locality = Bool.random(using: &random) ? Int.random(in: 1...10, using: &random) : 0
        var generator = RandomWorkflowGenerator(seed: seed)
        return generator.makeWorkflow(stepCount: stepCount, dependenciesPerStep: dependencies, locality: locality)
    }

    @Test(arguments: seeds)
    func analysisInvariantsHold(seed: UInt64) throws {
        let graph = try TaskGraph(workflow: Self.workflow(seed: seed))
        let analysis = PlanAnalysis(graph: graph)
        let tasksByID = Dictionary(uniqueKeysWithValues: graph.tasks.map { ($0.id, $0) })

        // Every task in exactly one level; every dependency in an earlier level.
        let flattened = analysis.levels.flatMap { $0 }
        #expect(flattened.count == graph.tasks.count)
        #expect(Set(flattened) == Set(tasksByID.keys))
        for task in graph.tasks {
            let level = try #require(analysis.levelByTask[task.id])
            for dependency in task.dependsOn {
                #expect(try #require(analysis.levelByTask[dependency]) < level)
            }
        }
        // The critical path is a real chain whose length is the number of levels.
        #expect(analysis.criticalPath.count == analysis.levels.count)
        for (earlier, later) in zip(analysis.criticalPath, analysis.criticalPath.dropFirst()) {
            #expect(tasksByID[later]?.dependsOn.contains(earlier) == true)
        }
        // Priority order is a topological order.
        #expect(analysis.priorityOrder.count == graph.tasks.count)
        var done: Set<String> = []
        for id in analysis.priorityOrder {
            #expect(tasksByID[id]?.dependsOn.allSatisfy(done.contains) == true)
            done.insert(id)
        }
        #expect(analysis.maxWidth == analysis.levels.map(\.count).max())
    }

    /// A random workflow's text, its steps as echo steps with a matrix on every seventh.
    static func text(seed: UInt64) -> String {
        var text = "name: random\nsteps:\n"
        for (index, step) in workflow(seed: seed).steps.enumerated() {
            text += "  - { id: \(step.id), type: echo, with: { message: \"${{ matrix.i }}\" }"
            text += index % 7 == 0 ? ", matrix: { i: [a, b, c] }" : ", matrix: { i: [x] }"
            if !step.dependsOn.isEmpty { text += ", dependsOn: [\(step.dependsOn.joined(separator: ", "))]" }
            text += " }\n"
        }
        return text
    }

    /// What the loader validated decomposes (`TaskGraph(validated:)`, no second validation) into
    /// the very tasks the validating path gives.
    @Test(arguments: seeds.prefix(60))
    func validatedWorkflowDecomposesAlike(seed: UInt64) throws {
        let validated = try WorkflowLoader.loadValidated(text: Self.text(seed: seed))
        let graph = try TaskGraph(validated: validated)
        #expect(graph.tasks == (try TaskGraph(workflow: validated.workflow).tasks))
        #expect(graph.workflowName == validated.workflow.name)
    }

    @Test(arguments: seeds)
    func backEdgeIsReportedAsARealCycle(seed: UInt64) throws {
        var workflow = Self.workflow(seed: seed)
        var random = SplitMix64(seed: seed)
        guard let start = workflow.steps.indices.filter({ !workflow.steps[$0].dependsOn.isEmpty }).randomElement(using: &random) else {
            return
        }
        // Walk down dependencies to an ancestor, then make that ancestor depend on the start.
        let index = Dictionary(uniqueKeysWithValues: workflow.steps.enumerated().map { ($1.id, $0) })
        var ancestor = start
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            guard let next = workflow.steps[ancestor].dependsOn.randomElement(using: &random) else { break }
            ancestor = try #require(index[next])
        }
        workflow.steps[ancestor].dependsOn.append(workflow.steps[start].id)

        let cycles = WorkflowValidator.validate(workflow).filter { $0.code == .cycle }
        #expect(cycles.count == 1)
        let message = try #require(cycles.first?.message)
        let path = message.replacingOccurrences(of: "dependency cycle: ", with: "").components(separatedBy: " -> ")
        #expect(path.count >= 2)
        #expect(path.first == path.last)
        for (from, to) in zip(path, path.dropFirst()) {
            let step = try #require(index[from])
            #expect(workflow.steps[step].dependsOn.contains(to), "\(from) -> \(to) is not an edge")
        }
    }

    @Test func longChainValidatesWithoutStackOverflow() throws {
        let count = 100_000
        var steps = (0..<count).map { Step(id: "c\($0)", run: ["x"], dependsOn: $0 == 0 ? [] : ["c\($0 - 1)"]) }
        #expect(WorkflowValidator.validate(Workflow(name: "chain", steps: steps)).isEmpty)
        let analysis = PlanAnalysis(graph: try TaskGraph(workflow: Workflow(name: "chain", steps: steps)))
        #expect(analysis.levels.count == count)
        steps[0].dependsOn = ["c\(count - 1)"]
        let problems = WorkflowValidator.validate(Workflow(name: "loop", steps: steps))
        #expect(problems.map(\.code) == [.cycle])
        #expect(problems.first?.message.hasPrefix("dependency cycle: c0 -> c99999 -> c99998") == true)
    }

    @Test func generatorIsDeterministic() {
        var first = RandomWorkflowGenerator(seed: 42)
        var second = RandomWorkflowGenerator(seed: 42)
        #expect(first.makeWorkflow(stepCount: 50, dependenciesPerStep: 3) == second.makeWorkflow(stepCount: 50, dependenciesPerStep: 3))
    }
}
