import Foundation
import Testing
@testable import QrewCore

/// The `heartbeatTimeout` step key: decoded on steps and in `defaults`, validated like other
/// durations, inherited, and carried in the task spec for the worker.
struct HeartbeatTimeoutTests {
    @Test func aStepSettingWinsOverDefaultsWhichApplyToTheRest() throws {
        let workflow = try WorkflowLoader.load(text: """
            name: hb
            defaults: { heartbeatTimeout: 2m }
            steps:
              - id: own
                run: [./import.sh]
                heartbeatTimeout: 30s
              - id: inherits
                run: [./other.sh]
            """)
        #expect(workflow.defaults.heartbeatTimeout == .seconds(120))
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph["own"]?.settings.heartbeatTimeout == .seconds(30))
        #expect(graph["inherits"]?.settings.heartbeatTimeout == .seconds(120))
    }

    @Test func withoutTheKeyTasksMayStaySilent() throws {
        let workflow = try WorkflowLoader.load(text: "name: hb\nsteps:\n  - id: a\n    run: [true]\n")
        #expect(try TaskGraph(workflow: workflow)["a"]?.settings.heartbeatTimeout == nil)
    }

    @Test(arguments: [
        ("    heartbeatTimeout: soon\n", "'soon' is not a duration"),
        ("    heartbeatTimeout: 0s\n", "'heartbeatTimeout' must be greater than zero"),
        ("    heartbeatTimeout: 400d\n", "heartbeatTimeout"),
    ])
    func badValuesAreRejectedWithTheirLine(_ line: String, _ message: String) throws {
        let text = "name: hb\nsteps:\n  - id: a\n    run: [true]\n" + line
        let problems: [WorkflowProblem]
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "hb.yaml")
            problems = []
        } catch {
            problems = error.problems
        }
        let problem = try #require(problems.first)
        #expect(problem.code == .badDuration)
        #expect(problem.stepID == "a")
        #expect(problem.line == 5)
        #expect(problem.description.contains(message), "\(problem.description)")
    }

    @Test func theDefaultsValueIsValidatedToo() throws {
        do {
            _ = try WorkflowLoader.load(text: "name: hb\ndefaults: { heartbeatTimeout: -1s }\nsteps:\n  - id: a\n    run: [true]\n")
            Issue.record("a negative defaults.heartbeatTimeout loaded")
        } catch {
            #expect(error.problems.first?.code == .badDuration)
            #expect(error.problems.first?.field == "defaults.heartbeatTimeout")
        }
    }

    @Test func theSpecCarriesItAndReadsItBack() throws {
        // One retry condition: JSONEncoder writes a Set in no fixed order.
        var spec = TaskSpec(
            runID: "r", taskID: "a", stepID: "a", type: "shell", run: ["true"], retry: RetryPolicy(maxRetries: 1, retryOn: [.lost]))
        spec.heartbeatTimeoutMilliseconds = 30_000
        let text = spec.jsonText
        #expect(text.contains(#""heartbeatTimeoutMilliseconds":30000"#))
        #expect(try TaskSpec(jsonText: text) == spec)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        #expect(String(decoding: try encoder.encode(spec), as: UTF8.self) == text)
        #expect(try TaskSpec(jsonText: TaskSpec(runID: "r", taskID: "a", stepID: "a", type: "shell").jsonText).heartbeatTimeoutMilliseconds == nil)
    }
}
