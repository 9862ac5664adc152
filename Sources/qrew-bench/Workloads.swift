import QrewCore

/// The workflow files the cluster benchmark submits, generated as YAML text.
enum Workloads {
    /// `tasks` independent echo tasks, as steps of up to 250 matrix tasks each.
    static func independent(tasks: Int) -> String {
        matrixSteps(tasks: tasks, name: "independent") { "    type: echo\n    with: { message: \"${{ matrix.i }}\" }\n" }
    }

    /// `tasks` independent shell tasks running `true`.
    static func shell(tasks: Int) -> String {
        matrixSteps(tasks: tasks, name: "shell") { "    run: [\"true\"]\n" }
    }

    /// One echo task.
    static let single = "name: single\nsteps:\n  - id: only\n    type: echo\n    with: { message: hi }\n"

    /// A chain of `steps` echo steps, each depending on the previous one.
    static func chain(steps: Int) -> String {
        var text = "name: chain\nsteps:\n"
        for index in 0..<steps {
            text += "  - { id: s\(index), type: echo, with: { message: \"\(index)\" }"
            text += index == 0 ? " }\n" : ", dependsOn: [s\(index - 1)] }\n"
        }
        return text
    }

    /// A random DAG of echo steps, each depending on up to `dependencies` of the 200 steps before it.
    static func randomDAG(tasks: Int, dependencies: Int) -> String {
        let workflow = randomDAGWorkflow(tasks: tasks, dependencies: dependencies)
        var text = "name: random-dag\nsteps:\n"
        for step in workflow.steps {
            text += "  - { id: \(step.id), type: echo, with: { message: x }"
            if !step.dependsOn.isEmpty { text += ", dependsOn: [\(step.dependsOn.joined(separator: ", "))]" }
            text += " }\n"
        }
        return text
    }

    /// The workflow `randomDAG` writes out.
    static func randomDAGWorkflow(tasks: Int, dependencies: Int) -> Workflow {
        var generator = RandomWorkflowGenerator(seed: 7)
        return generator.makeWorkflow(stepCount: tasks, dependenciesPerStep: dependencies, locality: 200)
    }

    /// The number of dependency levels of `randomDAG` (its longest chain): a run of it takes at
    /// least that many dependency hops one after another, whatever the parallelism.
    static func randomDAGDepth(tasks: Int, dependencies: Int) throws -> Int {
        try PlanAnalysis(graph: TaskGraph(workflow: randomDAGWorkflow(tasks: tasks, dependencies: dependencies))).levels.count
    }

    private static func matrixSteps(tasks: Int, name: String, body: () -> String) -> String {
        var text = "name: \(name)\nsteps:\n"
        var remaining = tasks
        var step = 0
        while remaining > 0 {
            let count = min(remaining, 250)
            text += "  - id: part\(step)\n    matrix: { i: [\((0..<count).map(String.init).joined(separator: ", "))] }\n" + body()
            remaining -= count
            step += 1
        }
        return text
    }
}
