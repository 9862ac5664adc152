import Testing
@testable import QrewCore

/// `type: workflow`: a child workflow from a file (resolved against the including file, carried
/// by the submission) or inline, validated like a top-level workflow at submission, cycles and
/// depth rejected with the path, and `with:` checked against the child's params.
struct ChildWorkflowDecodingTests {
    static let parent = """
        name: parent
        steps:
          - id: prepare
            type: echo
            with: { message: "v1" }
          - id: deploy
            type: workflow
            file: lib/deploy.yaml
            with: { version: "${{ steps.prepare.output }}" }
          - id: notify
            type: echo
            with: { message: "${{ steps.deploy.output }}" }
        """
    static let deploy = """
        name: deploy
        params: { version: "0" }
        steps:
          - id: push
            type: echo
            with: { message: "pushed ${{ params.version }}" }
          - id: check
            type: workflow
            file: ../checks/smoke.yaml
        """
    static let smoke = "name: smoke\nsteps:\n  - id: ping\n    type: echo\n"

    static let files = ["flows/lib/deploy.yaml": deploy, "flows/checks/smoke.yaml": smoke]

    @Test func aFileChildIsResolvedAgainstTheIncludingFileAndPlannedOnTheChildQueue() throws {
        let workflow = try WorkflowLoader.load(text: Self.parent, fileName: "flows/parent.yaml", files: Self.files)
        let child = try #require(workflow.steps[1].childWorkflow)
        #expect(child.fileName == "flows/lib/deploy.yaml" && child.text == Self.deploy && !child.inline)
        #expect(child.files == ["flows/checks/smoke.yaml": Self.smoke], "the child carries what it includes itself")
        let graph = try TaskGraph(workflow: workflow)
        let settings = try #require(graph["deploy"]?.settings)
        #expect(settings.queue == ChildWorkflow.placeholderQueue && settings.childWorkflow == child)
        #expect(settings.retry.maxAttempts == 1 && settings.timeout == nil, "the defaults' retries are for work")
        #expect(graph["deploy"]?.dependsOn == ["prepare"], "with: reads prepare's output")
        #expect(graph["notify"]?.dependsOn == ["deploy"])
    }

    @Test func aWorkflowStepsOwnRetriesStartFreshChildRuns() throws {
        let text = """
            name: p
            defaults: { retries: 5, timeout: 1m }
            steps:
              - id: sub
                type: workflow
                retries: 2
                workflow: { name: sub, steps: [{ id: x, type: echo }] }
            """
        let settings = try #require(try TaskGraph(workflow: try WorkflowLoader.load(text: text, fileName: "p.yaml"))["sub"]?.settings)
        #expect(settings.retry.maxAttempts == 3 && settings.timeout == nil)
    }

    @Test func collectReadsEveryIncludedFileOnceRelativeToItsIncluder() {
        var reads: [String] = []
        let all = Self.files.merging(["flows/parent.yaml": Self.parent]) { a, _ in a }
        let files = ChildWorkflowFiles.collect(text: Self.parent, fileName: "flows/parent.yaml") { path in
            reads.append(path)
            return all[path]
        }
        #expect(files == Self.files)
        #expect(reads.sorted() == ["flows/checks/smoke.yaml", "flows/lib/deploy.yaml"])
    }

    @Test func aCycleBetweenFilesIsAProblemWithItsPath() throws {
        let a = "name: a\nsteps:\n  - id: b\n    type: workflow\n    file: b.yaml\n"
        let b = "name: b\nsteps:\n  - id: a\n    type: workflow\n    file: ./a.yaml\n"
        let files = ChildWorkflowFiles.collect(text: a, fileName: "a.yaml") { ["a.yaml": a, "b.yaml": b][$0] }
        #expect(files == ["b.yaml": b])
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: a, fileName: "a.yaml", files: files)
        }
        let problem = try #require(error.problems.first { $0.code == .cycle })
        #expect(problem.message.contains("a.yaml → b.yaml → a.yaml"), "\(problem.message)")
        #expect(problem.file == "b.yaml" && problem.line == 5 && problem.column != nil, "\(problem)")
    }

    @Test func aWorkflowIncludingItselfIsACycle() throws {
        let a = "name: a\nsteps:\n  - id: again\n    type: workflow\n    file: a.yaml\n"
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: a, fileName: "a.yaml", files: ["a.yaml": a])
        }
        #expect(error.problems.contains { $0.code == .cycle && $0.message.contains("a.yaml → a.yaml") })
    }

    @Test func aProblemInAChildFileNamesThatFileAndItsOwnLine() throws {
        let bad = "name: deploy\nsteps:\n  - id: push\n    type: shell\n    timeout: soon\n    run: [x]\n"
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: Self.parent, fileName: "flows/parent.yaml", files: ["flows/lib/deploy.yaml": bad])
        }
        let problem = try #require(error.problems.first)
        #expect(problem.file == "flows/lib/deploy.yaml" && problem.line == 5, "\(problem)")
    }

    @Test func aChildsProblemsAndAnUndeclaredParameterAreReportedTogether() throws {
        let parent = "name: a\nsteps:\n  - id: b\n    type: workflow\n    file: b.yaml\n    with: { colr: red }\n"
        let child = "name: b\nparams: { color: blue }\nsteps:\n  - id: x\n    type: shell\n    run: [echo]\n    timeout: soon\n"
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: parent, fileName: "a.yaml", files: ["b.yaml": child])
        }
        #expect(error.problems.contains { $0.file == "b.yaml" && $0.line == 7 })
        #expect(error.problems.contains { $0.file == "a.yaml" && $0.line == 6 && $0.hint?.contains("color") == true })
    }

    @Test func aMissingFileIsAProblemAtTheFileKey() throws {
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: Self.parent, fileName: "flows/parent.yaml")
        }
        let problem = try #require(error.problems.first)
        #expect(problem.message.contains("'lib/deploy.yaml' was not found (resolved as 'flows/lib/deploy.yaml')"), "\(problem.message)")
        #expect(problem.file == "flows/parent.yaml" && problem.line == 8 && problem.stepID == "deploy", "\(problem)")
    }

    @Test func anInlineChildIsValidatedInPlaceAndKeptAsText() throws {
        let text = """
            name: p
            steps:
              - id: sub
                type: workflow
                with: { who: world }
                workflow:
                  name: sub
                  params: { who: nobody }
                  steps:
                    - id: hello
                      type: echo
                      with: { message: "hello ${{ params.who }}" }
            """
        let workflow = try WorkflowLoader.load(text: text, fileName: "p.yaml")
        let child = try #require(workflow.steps[0].childWorkflow)
        #expect(child.inline && child.fileName == "p.yaml")
        let reloaded = try WorkflowLoader.load(text: child.text, fileName: child.fileName)
        #expect(reloaded.name == "sub" && reloaded.steps.map(\.id) == ["hello"] && reloaded.params == ["who": "nobody"])

        let broken = text.replacingOccurrences(of: "type: echo", with: "type: echo\n          retries: lots")
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: broken, fileName: "p.yaml") }
        let problem = try #require(error.problems.first)
        #expect(problem.file == "p.yaml" && problem.line == 12, "an inline child's problem points into the parent file: \(problem)")
    }

    @Test(arguments: [
        ("    type: workflow\n", "workflow step has no 'file' or 'workflow'", 4),
        ("    type: workflow\n    file: c.yaml\n    workflow: { name: c, steps: [] }\n", "both 'file' and 'workflow'", 6),
        ("    type: workflow\n    file: c.yaml\n    timeout: 5m\n", "'timeout' does not apply to a step of type 'workflow'", 6),
        ("    type: workflow\n    file: c.yaml\n    queue: gpu\n", "'queue' does not apply to a step of type 'workflow'", 6),
        ("    type: echo\n    file: c.yaml\n", "'file' does not apply to a step of type 'echo'", 5),
        ("    type: workflow\n    file: c.yaml\n    with: { colour: red }\n", "declares no parameter 'colour'", 6),
        ("    type: workflow\n    workflow: [a]\n", "a workflow mapping", 5),
    ])
    func aBadWorkflowStepIsALocatedProblem(body: String, message: String, line: Int) throws {
        let text = "name: w\nsteps:\n  - id: a\n" + body
        let child = "name: c\nparams: { color: blue }\nsteps:\n  - id: x\n    type: echo\n"
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: text, fileName: "w.yaml", files: ["c.yaml": child])
        }
        let problem = try #require(error.problems.first)
        #expect(problem.message.contains(message), "\(problem.message)")
        #expect(problem.line == line && problem.stepID == "a" && problem.hint != nil, "\(problem)")
    }

    @Test func nestingDeeperThanTheBoundIsAProblem() throws {
        var files: [String: String] = [:]
        for level in 0...ChildWorkflow.maxDepth {
            files["l\(level).yaml"] = "name: l\(level)\nsteps:\n  - id: next\n    type: workflow\n    file: l\(level + 1).yaml\n"
        }
        files["l\(ChildWorkflow.maxDepth + 1).yaml"] = "name: leaf\nsteps:\n  - id: x\n    type: echo\n"
        let error = try #require(throws: WorkflowValidationError.self) {
            try WorkflowLoader.load(text: files["l0.yaml"]!, fileName: "l0.yaml", files: files)
        }
        #expect(error.problems.contains { $0.message.contains("nest more than \(ChildWorkflow.maxDepth) levels") })
    }

    @Test(arguments: [
        ("lib/b.yaml", "flows/a.yaml", "flows/lib/b.yaml"),
        ("../b.yaml", "flows/x/a.yaml", "flows/b.yaml"),
        ("./b.yaml", "a.yaml", "b.yaml"),
        ("/abs/b.yaml", "flows/a.yaml", "/abs/b.yaml"),
        ("b.yaml", "/home/u/a.yaml", "/home/u/b.yaml"),
        ("../../b.yaml", "a.yaml", "../../b.yaml"),
    ])
    func pathsResolveAgainstTheIncludingFile(path: String, including: String, resolved: String) {
        #expect(ChildWorkflow.resolve(path, from: including) == resolved)
    }
}
