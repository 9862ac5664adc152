import QrewCore
import Testing
@testable import QrewQueue

/// What the intake accepts from a submission entry (no Redis).
struct RunIntakeTests {
    @Test(arguments: ["r1", "nightly-2026.12.01_a", String(repeating: "x", count: 128)])
    func acceptsRunIDs(_ id: String) {
        #expect(RunIntake.isValidRunID(id))
    }

    @Test(arguments: ["", "a/b", "a b", "run:1", "é", "a\n", String(repeating: "x", count: 129)])
    func refusesRunIDsThatCannotNameAKey(_ id: String) {
        #expect(!RunIntake.isValidRunID(id))
    }

    @Test func readsStringParametersAndIgnoresTheRest() {
        #expect(RunIntake.parameters(json: #"{"env": "prod", "n": "3"}"#) == ["env": "prod", "n": "3"])
        #expect(RunIntake.parameters(json: #"{"env": "prod", "n": 3, "x": null}"#) == ["env": "prod"])
        #expect(RunIntake.parameters(json: "[1, 2]").isEmpty)
        #expect(RunIntake.parameters(json: "not json").isEmpty)
    }

    @Test func theFilesChildWorkflowsIncludeCountTowardsTheSizeLimit() throws {
        let parent = "name: p\nsteps:\n  - id: c\n    type: workflow\n    file: c.yaml\n"
        let child = "name: c\nsteps:\n  - id: x\n    type: echo\n" + String(repeating: "# padding\n", count: 20)
        let intake = RunIntake(maxWorkflowBytes: parent.utf8.count + 50)
        let error = try #require(throws: WorkflowValidationError.self) {
            try intake.prepare(runID: "r", text: parent, fileName: "p.yaml", params: [:], files: ["c.yaml": child])
        }
        #expect(error.problems.first?.message.contains("the 1 file(s) its child workflows include") == true, "\(error)")
        let roomy = RunIntake(maxWorkflowBytes: 4096)
        let prepared = try roomy.prepare(runID: "r", text: parent, fileName: "p.yaml", params: [:], files: ["c.yaml": child])
        #expect(prepared.record.fields["childWorkflow:c"]?.contains("padding") == true)
        #expect(prepared.record.tasks.first?.fields.isEmpty == true, "the child workflow is stored once, in the run")
    }

    /// A workflow of 1,202 tasks with what changes a task's record: matrices (spec templates),
    /// dependencies, a pool, an output reference and a child workflow (signed with its run field).
    static let bigWorkflow: String = {
        let values = (0..<240).map(String.init).joined(separator: ", ")
        var text = "name: big\nparallel: { resources: { db: 2 } }\nsteps:\n  - id: prepare\n    run: [echo, ready]\n"
        for part in 0..<5 {
            text += """
                  - id: part\(part)
                    dependsOn: [prepare]
                    matrix: { i: [\(values)] }
                    run: [echo, "${{ matrix.i }}", "${{ steps.prepare.output }}"]
                    resource: db

                """
        }
        return text + """
              - id: deploy
                type: workflow
                dependsOn: [part0, part1, part2, part3, part4]
                workflow:
                  name: deploy
                  steps:
                    - id: push
                      run: [echo, pushed]

            """
    }()

    /// The coordinator's intake (`stage`) makes each slice's records as it stores them: the very
    /// records `prepare` makes, signed alike, and the same storage order.
    @Test func aStagedRunIsMadeOfThePreparedRecords() throws {
        var intake = RunIntake()
        intake.signer = try SignedTasksTests.signer(namespace: "qrew")
        let prepared = try intake.prepare(runID: "r1", text: Self.bigWorkflow, fileName: "big.yaml", params: [:])
        let staged = try intake.stage(runID: "r1", text: Self.bigWorkflow, fileName: "big.yaml", params: [:])
        let storage = staged.storage
        #expect(storage.taskCount == 1202 && prepared.record.tasks.count == 1202)
        // The child workflow's run field (covered by the step's signature) is the same text each time.
        #expect(storage.fields == prepared.record.fields && storage.limits == prepared.record.limits)
        // Compared by the boolean alone: a failure would print all 1,202 records.
        let inStorageOrder = storage.records(storage.slicedOrder) == prepared.record.storageOrder
        #expect(inStorageOrder)
        let inRecordOrder = storage.records(Array(0..<storage.taskCount)) == prepared.record.tasks
        #expect(inRecordOrder)
        let aMiddleSlice = storage.records(Array(storage.slicedOrder[300..<400])) == Array(prepared.record.storageOrder[300..<400])
        #expect(aMiddleSlice)
        #expect(prepared.record.tasks.allSatisfy { !$0.signature.isEmpty })
        #expect(prepared.record.storage.slicedOrder == storage.slicedOrder)
    }

    /// The coordinator's intake runs on all cores (`PieceRunner.allCores`): a workflow big enough
    /// to be parsed, decoded and planned in pieces gives the records one core gives, and the same
    /// problems when it has some.
    @Test func theIntakeOnAllCoresPreparesWhatOneCorePrepares() throws {
        var text = "name: wide\nsteps:\n  - { id: s0, run: [echo, start] }\n"
        for index in 1..<1500 {
            text += "  - { id: s\(index), run: [echo, \"${{ steps.s\(index / 2).output }}\"], dependsOn: [s\(index / 2)] }\n"
        }
        #expect(text.utf8.count >= 64 * 1024)
        var everyCore = RunIntake()
        everyCore.runner = .allCores
        let one = try RunIntake().prepare(runID: "r", text: text, fileName: "w.yaml", params: [:])
        let all = try everyCore.prepare(runID: "r", text: text, fileName: "w.yaml", params: [:])
        let sameRecords = all.record.tasks == one.record.tasks && all.record.storageOrder == one.record.storageOrder
        #expect(sameRecords)
        let broken = text.replacingOccurrences(of: "{ id: s700,", with: "{ id: s700, colour: red,")
            .replacingOccurrences(of: "dependsOn: [s600] }", with: "dependsOn: [nowhere] }")
        let oneError = try #require(throws: WorkflowValidationError.self) {
            try RunIntake().check(text: broken, fileName: "w.yaml", params: [:])
        }
        let allError = try #require(throws: WorkflowValidationError.self) {
            try everyCore.check(text: broken, fileName: "w.yaml", params: [:])
        }
        #expect(allError.problems == oneError.problems)
        #expect(allError.problems.count >= 2)
    }

    /// `check` (what `qctl submit` runs) refuses what `prepare` refuses and decomposes alike.
    @Test func checkRefusesAndDecomposesAsPrepareDoes() throws {
        let intake = RunIntake()
        let good = "name: g\nparams: { n: \"1\" }\nsteps:\n  - { id: a, type: echo }\n  - { id: b, type: echo, dependsOn: [a], matrix: { i: [1, 2] } }\n"
        let checked = try intake.check(text: good, fileName: "g.yaml", params: ["n": "2"])
        let prepared = try intake.prepare(runID: "r", text: good, fileName: "g.yaml", params: ["n": "2"])
        #expect(checked.graph.tasks.map(\.id) == prepared.graph.tasks.map(\.id))
        #expect(checked.workflow.name == "g")
        let cyclic = "name: c\nsteps:\n  - { id: a, type: echo, dependsOn: [b] }\n  - { id: b, type: echo, dependsOn: [a] }\n"
        let checkError = try #require(throws: WorkflowValidationError.self) {
            try intake.check(text: cyclic, fileName: "c.yaml", params: [:])
        }
        let prepareError = try #require(throws: WorkflowValidationError.self) {
            try intake.prepare(runID: "r", text: cyclic, fileName: "c.yaml", params: [:])
        }
        #expect(checkError.problems.map(\.description) == prepareError.problems.map(\.description))
        let small = RunIntake(maxWorkflowBytes: 10)
        #expect(throws: WorkflowValidationError.self) { try small.check(text: good, fileName: "g.yaml", params: [:]) }
    }

    /// Without overrides a submission is decomposed from what loading validated (no second
    /// validation); with overrides it is validated again as it will run. Cached or not, both
    /// give the records the workflow says, and an unknown override is still refused.
    @Test func overridesAndTheCacheGiveTheSameRecords() throws {
        let text = "name: p\nparams: { n: \"1\" }\nsteps:\n"
            + "  - { id: a, type: echo, with: { message: \"n=${{ params.n }}\" }, matrix: { i: [1, 2] } }\n"
        for intake in [RunIntake(), RunIntake(cachingWorkflows: true)] {
            for _ in 0..<2 {
                let plain = try intake.prepare(runID: "r", text: text, fileName: "p.yaml", params: [:])
                let overridden = try intake.prepare(runID: "r", text: text, fileName: "p.yaml", params: ["n": "2"])
                #expect(plain.record.tasks.count == 2)
                #expect(plain.record.tasks.allSatisfy { $0.spec.contains("n=1") })
                #expect(overridden.record.tasks.allSatisfy { $0.spec.contains("n=2") })
                #expect(plain.record.tasks.map(\.id) == overridden.record.tasks.map(\.id))
            }
            #expect(throws: WorkflowValidationError.self) {
                try intake.prepare(runID: "r", text: text, fileName: "p.yaml", params: ["m": "2"])
            }
        }
    }
}
