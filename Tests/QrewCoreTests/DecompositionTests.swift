import Testing
@testable import QrewCore

struct DecompositionTests {
    @Test func releaseFixtureFansOutAndResolvesSettings() throws {
        let workflow = try WorkflowLoader.load(text: try Fixture.text("valid/release.yaml"))
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph.tasks.map(\.id) == ["schema", "api[region=eu]", "api[region=us]", "api[region=ap]", "ping", "hello"])
        let eu = try #require(graph["api[region=eu]"])
        #expect(eu.stepID == "api")
        #expect(eu.matrix == [MatrixBinding(key: "region", value: "eu")])
        #expect(eu.dependsOn == ["schema"])
        #expect(eu.settings.run == ["./deploy.sh", "eu", "${{ steps.schema.output }}"])
        #expect(eu.settings.timeout == .seconds(600))
        #expect(eu.settings.retry == RetryPolicy(maxRetries: 3, backoff: .exponential, initial: .seconds(1), cap: .seconds(60), jitter: true))
        #expect(eu.settings.queue == "default")
        let schema = try #require(graph["schema"])
        #expect(schema.dependents == ["api[region=eu]", "api[region=us]", "api[region=ap]"])
        #expect(schema.settings.retry.maxRetries == 2)
        #expect(schema.settings.timeout == .seconds(30))
        #expect(schema.settings.cache?.key == "schema-1.0")
        #expect(schema.settings.resource == "database")
        #expect(graph.initiallyReady == ["schema", "ping", "hello"])
    }

    @Test func severalMatrixKeysKeepDeclarationOrder() throws {
        let workflow = try WorkflowLoader.load(text: try Fixture.text("valid/release-tabs.json"))
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph.tasks.map(\.id) == [
            "build", "test[os=linux,arch=x64]", "test[os=linux,arch=arm64]", "test[os=mac,arch=x64]", "test[os=mac,arch=arm64]", "notify",
        ])
        #expect(graph["test[os=mac,arch=arm64]"]?.settings.run == ["./test.sh", "mac", "arm64"])
        #expect(graph["build"]?.settings.run == ["make", "VERSION=2.0"])
        #expect(graph["build"]?.dependents.count == 4)
    }

    @Test func dependencyOnMatrixStepMeansAllItsTasks() throws {
        let workflow = Workflow(name: "m", steps: [
            Step(id: "build", run: ["make"], matrix: Matrix(axes: [.init(key: "os", values: ["a", "b"])])),
            Step(id: "ship", run: ["ship"], dependsOn: ["build"]),
        ])
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph["ship"]?.dependsOn == ["build[os=a]", "build[os=b]"])
    }

    @Test func outputReferenceIsAnImplicitDependency() throws {
        let workflow = Workflow(name: "implicit", steps: [
            Step(id: "version", run: ["git", "describe"]),
            Step(id: "tag", run: ["git", "tag", "${{ steps.version.output }}"]),
        ])
        #expect(WorkflowValidator.validate(workflow).isEmpty)
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph["tag"]?.dependsOn == ["version"])
        let rendered = try TemplateRenderer(context: TemplateContext(stepOutputs: ["version": "v1.2"]))
            .render(try #require(graph["tag"]?.settings.run[2]))
        #expect(rendered == "v1.2")
    }

    /// Found by the intake fuzz target: `--set v='${{ nope }}'` validated, was substituted into
    /// the spec, and the worker, rendering the spec again, failed the task on it (a value
    /// holding `${{ steps.b.output }}` would have been expanded there).
    @Test func aParameterValueHoldingATemplateIsRefused() throws {
        let workflow = Workflow(name: "p", params: ["v": "1"], steps: [Step(id: "a", run: ["echo", "${{ params.v }}"])])
        for value in ["${{ nope }}", "${{ run.id }}", "x${{"] {
            #expect(throws: WorkflowValidationError.self) { try TaskGraph(workflow: try workflow.applyingParameters(["v": value])) }
        }
        #expect(try TaskGraph(workflow: try workflow.applyingParameters(["v": "${ {} }}"])).tasks.count == 1)
    }

    @Test func invalidWorkflowIsNotPlanned() {
        let workflow = Workflow(name: "bad", steps: [Step(id: "a", run: ["x"], dependsOn: ["a"])])
        #expect(throws: WorkflowValidationError.self) { try TaskGraph(workflow: workflow) }
    }

    @Test func inMemoryValidationCollectsEveryProblem() {
        let workflow = Workflow(name: "", steps: [
            Step(id: "ok", run: ["x"]),
            Step(id: "-bad", run: ["x"]),
            Step(id: "ok", type: .http),
            Step(id: "c", run: ["x"], resource: "gpu", dependsOn: ["nope"]),
        ])
        let codes = WorkflowValidator.validate(workflow).map(\.code)
        #expect(codes == [.missingField, .invalidID, .duplicateID, .missingField, .undeclaredPool, .missingDependency])
    }
}
