import Testing
@testable import QrewCore

struct WorkflowLoaderTests {
    struct InvalidCase: CustomTestStringConvertible, Sendable {
        var file: String
        var code: WorkflowProblem.Code
        var stepID: String?
        var line: Int
        var testDescription: String { file }
    }

    static let invalidCases: [InvalidCase] = [
        .init(file: "cycle.yaml", code: .cycle, stepID: "a", line: 5),
        .init(file: "missing-dependency.yaml", code: .missingDependency, stepID: "deploy", line: 7),
        .init(file: "duplicate-id.yaml", code: .duplicateID, stepID: "build", line: 5),
        .init(file: "unknown-key.yaml", code: .unknownKey, stepID: "api", line: 6),
        .init(file: "bad-duration.yaml", code: .badDuration, stepID: "wait", line: 5),
        .init(file: "malformed.yaml", code: .syntax, stepID: nil, line: 5),
        .init(file: "undeclared-pool.yaml", code: .undeclaredPool, stepID: "migrate", line: 7),
        .init(file: "invalid-id.yaml", code: .invalidID, stepID: "build it", line: 3),
        .init(file: "matrix-too-large.yaml", code: .matrixTooLarge, stepID: "grid", line: 5),
        .init(file: "bad-reference.yaml", code: .badReference, stepID: "build", line: 5),
        .init(file: "wrong-type.yaml", code: .typeMismatch, stepID: "b", line: 7),
    ]

    @Test(arguments: invalidCases)
    func invalidFixtureReportsProblem(_ testCase: InvalidCase) throws {
        let problems = try Fixture.problems("invalid/\(testCase.file)")
        let first = try #require(problems.first, "\(testCase.file) loaded without problems")
        #expect(first.code == testCase.code, "\(problems)")
        #expect(first.stepID == testCase.stepID, "\(problems)")
        #expect(first.line == testCase.line, "\(problems)")
        #expect(first.file == testCase.file)
        #expect(first.column != nil)
    }

    @Test(arguments: ["{", "["]) func collectionsNestedTooDeeplyAreASyntaxProblemNotACrash(open: String) throws {
        // libyaml allows 1,000 levels; the composer stops at its own bound, whatever the stack.
        let close = open == "{" ? "}" : "]"
        let deep = String(repeating: open == "{" ? "{a: " : "[", count: 900) + "x" + String(repeating: close, count: 900)
        let text = "name: deep\nsteps:\n  - id: a\n    type: echo\n    with: \(deep)\n"
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "deep.yaml")
            Issue.record("a 900-level nesting loaded")
        } catch {
            let first = try #require(error.problems.first)
            #expect(first.code == .syntax)
            #expect(first.message.contains("nested more than \(YAMLComposer.maxNesting) levels deep"), "\(first)")
            #expect(first.line == 5)
        }
        // Within the bound, nesting is read as before (and refused for its type, not its depth).
        let fine = String(repeating: "[", count: 150) + "x" + String(repeating: "]", count: 150)
        do {
            _ = try WorkflowLoader.load(text: "name: ok\nsteps:\n  - id: a\n    type: echo\n    with: { m: \(fine) }\n", fileName: "ok.yaml")
            Issue.record("a list where a string belongs loaded")
        } catch {
            #expect(!error.problems.isEmpty && !error.problems.contains { $0.message.contains("levels deep") }, "\(error.problems)")
        }
    }

    @Test func unknownKeyDescriptionSuggestsTheKnownKey() throws {
        let problems = try Fixture.problems("invalid/unknown-key.yaml")
        #expect(problems.map(\.description) == [
            "unknown-key.yaml:6:5: step 'api': unknown key 'dependOn' — did you mean 'dependsOn'?",
        ])
    }

    @Test func cycleMessagePrintsThePath() throws {
        let problems = try Fixture.problems("invalid/cycle.yaml")
        #expect(problems.count == 1)
        #expect(problems.first?.message == "dependency cycle: a -> c -> b -> a")
        #expect(problems.first?.field == "steps[0].dependsOn[0]")
    }

    @Test func hintsSuggestCloseNames() throws {
        #expect(try Fixture.problems("invalid/missing-dependency.yaml").first?.hint == "did you mean 'build'?")
        #expect(try Fixture.problems("invalid/undeclared-pool.yaml").first?.hint == "did you mean 'database'?")
    }

    @Test func badReferencesAreAllReported() throws {
        let problems = try Fixture.problems("invalid/bad-reference.yaml")
        #expect(problems.map(\.code) == [.badReference, .badReference])
        #expect(problems.map(\.stepID) == ["build", "deploy"])
        #expect(problems.map(\.line) == [5, 7])
        #expect(problems[0].hint == "did you mean 'version'?")
    }

    @Test func wrongTypeNamesFieldAndExpectedType() throws {
        let problem = try #require(try Fixture.problems("invalid/wrong-type.yaml").first)
        #expect(problem.message == "'dependsOn' must be a list of step ids, found a string")
        #expect(problem.hint == "write dependsOn: [a]")
        #expect(problem.field == "steps[1].dependsOn")
    }

    @Test func multiProblemFileReportsEveryProblem() throws {
        let problems = try Fixture.problems("invalid/multi-problem.yaml")
        let summary = problems.map { "\($0.code):\($0.stepID ?? "-"):\($0.line ?? 0)" }
        #expect(summary == [
            "unknownKey:a:7",
            "duplicateID:a:8",
            "missingDependency:c:11",
            "undeclaredPool:c:12",
            "badDuration:c:13",
            "missingField:d:15",
        ])
    }

    @Test func validYAMLFixtureLoads() throws {
        let workflow = try WorkflowLoader.load(text: try Fixture.text("valid/release.yaml"), fileName: "release.yaml")
        #expect(workflow.name == "release")
        #expect(workflow.params == ["version": "1.0"])
        #expect(workflow.timeout == .seconds(3600))
        #expect(workflow.defaults.timeout == .seconds(600))
        #expect(workflow.defaults.retries == RetrySettings(maxRetries: 3, backoff: .exponential, initial: .seconds(1), cap: .seconds(60), jitter: true))
        #expect(workflow.parallel == Parallelism(maxConcurrency: 8, resources: ["cpu": 2, "database": 1]))
        #expect(workflow.steps.map(\.id) == ["schema", "api", "ping", "hello"])
        let schema = workflow.steps[0]
        #expect(schema.name == "Migrate schema")
        #expect(schema.run == ["./migrate.sh", "--dry-run"])
        #expect(schema.env == ["A": "1"])
        #expect(schema.cwd == "/tmp")
        #expect(schema.complexity == .complex)
        #expect(schema.kind == "database")
        #expect(schema.priority == 5)
        #expect(schema.timeout == .seconds(30))
        #expect(schema.retries == RetrySettings(maxRetries: 2))
        #expect(schema.resource == "database")
        #expect(schema.maxConcurrency == 2)
        #expect(schema.continueOnError)
        #expect(schema.cache == CacheSpec(key: "schema-${{ params.version }}", ttl: .seconds(3600)))
        #expect(workflow.steps[1].matrix == Matrix(axes: [.init(key: "region", values: ["eu", "us", "ap"])]))
        #expect(workflow.steps[2].http == HTTPSpec(url: "https://example.invalid/health", method: "GET",
                                                   headers: ["Accept": "application/json"], body: ""))
        #expect(workflow.steps[3].type == .echo)
        #expect(workflow.steps[3].arguments == ["message": .string("hi")])
    }

    @Test func jsonWithTabIndentationLoads() throws {
        let workflow = try WorkflowLoader.load(text: try Fixture.text("valid/release-tabs.json"), fileName: "release.json")
        #expect(workflow.name == "json-release")
        #expect(workflow.steps.map(\.id) == ["build", "test", "notify"])
        #expect(workflow.steps[1].matrix.axes.map(\.key) == ["os", "arch"])
        #expect(workflow.steps[1].retries == RetrySettings(maxRetries: 1, backoff: .fixed, initial: .seconds(2), retryOn: [.timeout]))
        #expect(workflow.steps[2].arguments == ["message": .string("done\twith tab"), "count": .integer(3), "loud": .bool(true)])
    }

    @Test func jsonProblemsHaveLines() {
        let text = "{\n\t\"name\": \"x\",\n\t\"steps\": [\n\t\t{\"id\": \"a\", \"run\": [\"true\"], \"dependsOn\": [\"b\"]}\n\t]\n}\n"
        #expect(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "x.json") }
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "x.json")
        } catch {
            #expect(error.problems.map(\.code) == [.missingDependency])
            #expect(error.problems.first?.line == 4)
        }
    }

    @Test(arguments: [
        ("", WorkflowProblem.Code.emptyWorkflow),
        ("- just\n- a list\n", .typeMismatch),
        ("name: x\nsteps: []\n", .emptyWorkflow),
        ("steps:\n  - id: a\n    run: [x]\n", .missingField),
        ("name: x\nsteps:\n  - id: a\n    run: x\n", .typeMismatch),
        ("name: x\nsteps:\n  - id: a\n    run: [x]\n    url: http://x\n", .inapplicableKey),
        ("name: x\nsteps:\n  - id: a\n    run: [x]\n    complexity: huge\n", .invalidValue),
        ("name: x\nsteps:\n  - id: a\n    run: [x]\n  - id: b\n    dependsOn: [b]\n    run: [x]\n", .cycle),
        ("name: x\nsteps:\n  - id: a\n    run: [\"${{ steps.a.output }}\"]\n", .badReference),
        ("name: x\nsteps:\n  - id: a\n    run: [\"${{ matrix.os }}\"]\n", .badReference),
        ("name: x\nsteps:\n  - id: a\n    run: [\"${{ nonsense }}\"]\n", .badReference),
        ("name: x\nsteps:\n  - id: a\n    run: [x]\n    run: [y]\n", .duplicateKey),
        ("name: x\nsteps:\n  - id: a\n    type: sleep\n    with: { duration: soon }\n", .badDuration),
        ("name: x\nsteps:\n  - id: a\n    run: [x]\n    matrix: { os: [] }\n", .invalidMatrix),
        ("name: x\nsteps:\n  - id: a\n    run: [x]\n    retries: { max: 1, backof: fixed }\n", .unknownKey),
        // Found by the intake fuzz target: values substituted at planning may not hold a template.
        ("name: x\nsteps:\n  - id: a\n    run: [\"${{ matrix.k }}\"]\n    matrix: { k: [\"${{ run.id\"] }\n", .invalidMatrix),
        ("name: x\nparams: { v: \"${{ nope }}\" }\nsteps:\n  - id: a\n    run: [\"${{ params.v }}\"]\n", .invalidValue),
    ])
    func smallDocumentsReportTheExpectedCode(_ text: String, _ code: WorkflowProblem.Code) {
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "t.yaml")
            Issue.record("expected \(code) for \(text)")
        } catch {
            #expect(error.problems.map(\.code).contains(code), "\(error.problems)")
        }
    }

    @Test func shellStringNeedsShellTrue() throws {
        let workflow = try WorkflowLoader.load(text: "name: x\nsteps:\n  - id: a\n    shell: true\n    run: echo hi | wc\n")
        #expect(workflow.steps[0].run == ["echo hi | wc"])
        #expect(workflow.steps[0].shell)
    }

    @Test func parameterOverridesRejectUnknownNames() throws {
        let workflow = try WorkflowLoader.load(text: try Fixture.text("valid/release.yaml"))
        #expect(try workflow.applyingParameters(["version": "2"]).params == ["version": "2"])
        #expect(throws: WorkflowValidationError.self) { try workflow.applyingParameters(["verison": "2"]) }
    }
}
