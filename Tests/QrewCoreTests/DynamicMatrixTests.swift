import Testing
@testable import QrewCore

/// Dynamic fan-out (`matrix: { item: "${{ fromJSON(steps.list.output) }}" }`): decoding,
/// validation, decomposition into a placeholder, and the expansion of a list into task specs.
struct DynamicMatrixTests {
    private static let valid = """
    name: fan
    steps:
      - id: list
        run: [echo, '["a","b"]']
      - id: fan
        matrix: { item: "${{ fromJSON(steps.list.output) }}" }
        run: [echo, "item ${{ matrix.item }}"]
        continueOnError: true
      - id: after
        run: [echo, "${{ steps.fan.outputs }}"]
    """

    private func problems(_ text: String) -> [WorkflowProblem] {
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "fan.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func aDynamicStepBecomesOnePlaceholderThatDependsOnItsSource() throws {
        let workflow = try WorkflowLoader.load(text: Self.valid, fileName: "fan.yaml")
        #expect(workflow.steps[1].dynamicMatrix == DynamicMatrix(key: "item", sourceStep: "list"))
        #expect(workflow.steps[1].matrix.isEmpty)
        let graph = try TaskGraph(workflow: workflow)
        let fan = try #require(graph["fan"])
        #expect(fan.dependsOn == ["list"])
        #expect(fan.settings.fanOut == DynamicMatrix(key: "item", sourceStep: "list"))
        #expect(fan.settings.run == ["echo", "item ${{ matrix.item }}"])
        #expect(graph["after"]?.dependsOn == ["fan"])
        #expect(graph["after"]?.settings.run == ["echo", "${{ steps.fan.output }}"])
        #expect(graph.tasks.count == 3)
    }

    @Test(arguments: [
        "${{ fromJSON(steps.list.output) }}", "${{fromJSON(steps.list.output)}}", "  ${{  fromJSON(steps.list.output)  }} ",
    ])
    func theDynamicFormIsRecognized(_ text: String) {
        #expect(DynamicMatrix.sourceStep(in: text) == "list")
    }

    @Test(arguments: [
        "${{ steps.list.output }}", "${{ fromJSON(steps.list.outputs) }}", "fromJSON(steps.list.output)",
        "${{ fromJSON(steps..output) }}", "${{ fromJSON(steps.a b.output) }}", "x ${{ fromJSON(steps.list.output) }}",
    ])
    func otherStringsAreNotDynamic(_ text: String) {
        #expect(DynamicMatrix.sourceStep(in: text) == nil)
    }

    @Test func aMatrixStringOfAnotherFormIsAProblemWithItsLine() {
        let found = problems("""
        name: fan
        steps:
          - id: list
            run: [echo]
          - id: fan
            matrix: { item: "${{ steps.list.output }}" }
            run: [echo]
        """)
        #expect(found.count == 1)
        #expect(found.first?.code == .invalidMatrix)
        #expect(found.first?.line == 6)
        #expect(found.first?.hint?.contains("fromJSON(steps.ID.output)") == true)
    }

    @Test func anUnknownSourceIsAProblem() {
        let found = problems("""
        name: fan
        steps:
          - id: lists
            run: [echo]
          - id: fan
            matrix: { item: "${{ fromJSON(steps.list.output) }}" }
            run: [echo, "${{ matrix.item }}"]
        """)
        #expect(found.count == 1)
        #expect(found.first?.code == .badReference)
        #expect(found.first?.message.contains("unknown step 'list'") == true)
        #expect(found.first?.hint?.contains("lists") == true)
    }

    @Test func staticKeysSelfReferencesAndMatrixSourcesAreProblems() {
        let mixed = problems("""
        name: fan
        steps:
          - id: list
            run: [echo]
          - id: fan
            matrix: { os: [linux], item: "${{ fromJSON(steps.list.output) }}" }
            run: [echo]
        """)
        #expect(mixed.map(\.code) == [.invalidMatrix])
        let itself = problems("""
        name: fan
        steps:
          - id: fan
            matrix: { item: "${{ fromJSON(steps.fan.output) }}" }
            run: [echo]
        """)
        #expect(itself.map(\.code) == [.badReference])
        let matrixSource = problems("""
        name: fan
        steps:
          - id: list
            matrix: { n: [1, 2] }
            run: [echo]
          - id: fan
            matrix: { item: "${{ fromJSON(steps.list.output) }}" }
            run: [echo]
        """)
        #expect(matrixSource.map(\.code) == [.badReference])
    }

    @Test func theReservedPlaceholderQueueCannotBeAStepQueue() {
        let found = problems("""
        name: fan
        defaults: { queue: __mine }
        steps:
          - id: a
            queue: __expand
            run: [echo]
        """)
        #expect(found.map(\.field) == ["defaults.queue", "steps[0].queue"])
        #expect(found.allSatisfy { $0.message.contains("reserved") })
    }

    @Test func aGateKeyCannotReadTheDynamicValue() {
        let found = problems("""
        name: fan
        steps:
          - id: list
            run: [echo]
          - id: fan
            matrix: { item: "${{ fromJSON(steps.list.output) }}" }
            concurrency: { key: "${{ matrix.item }}", limit: 1 }
            run: [echo]
        """)
        #expect(found.map(\.field) == ["steps[1].concurrency.key"])
        #expect(found.first?.line == 7)
    }

    @Test func elementsAreStringsOrTheirJSONText() throws {
        #expect(try DynamicMatrix.elements(of: #"["a", 1, true, null, {"k":[1,"x"]}]"#, limit: 10)
            == ["a", "1", "true", "null", #"{"k":[1,"x"]}"#])
        #expect(try DynamicMatrix.elements(of: " [] \n", limit: 10) == [])
    }

    @Test func outputsThatAreNotAnArrayOrTooLongAreRefused() {
        #expect(throws: FanOutError.self) { try DynamicMatrix.elements(of: "a b c", limit: 10) }
        #expect(throws: FanOutError.self) { try DynamicMatrix.elements(of: #"{"a":1}"#, limit: 10) }
        #expect(throws: FanOutError.tooMany(count: 3, limit: 2)) { try DynamicMatrix.elements(of: "[1,2,3]", limit: 2) }
        #expect(FanOutError.tooMany(count: 3, limit: 2).description.contains("more than the limit of 2"))
    }

    @Test func aTaskSpecIsExpandedPerElementLeavingRunTimeReferences() throws {
        let spec = TaskSpec(
            runID: "r", taskID: "fan", stepID: "fan", type: "shell",
            run: ["echo", "${{ matrix.item }}", "${{ steps.list.output }}"], shell: false,
            env: ["ITEM": "${{ matrix.item }}"], cwd: nil, http: nil, with: [:], timeoutMilliseconds: nil,
            retry: .default, outputRefs: ["list": ["list"]], cache: nil)
        let child = try spec.expanded(key: "item", value: "b", taskID: TaskSpec.fanOutTaskID(stepID: "fan", index: 1))
        #expect(child.taskID == "fan[1]")
        #expect(child.run == ["echo", "b", "${{ steps.list.output }}"])
        #expect(child.env == ["ITEM": "b"])
        #expect(child.outputRefs == ["list": ["list"]])
    }
}
