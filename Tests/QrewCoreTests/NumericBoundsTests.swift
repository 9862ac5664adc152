import Foundation
import Testing
@testable import QrewCore

/// Every number a workflow holds is bounded, and out of bounds is a located validation problem;
/// in bounds, the score, attempt and deadline arithmetic of decomposition cannot trap.
struct NumericBoundsTests {
    /// A field under test: the YAML of a workflow with `VALUE` where the number goes, the field
    /// path a problem names, the line it is on, and the range the field accepts.
    struct Field: CustomTestStringConvertible, Sendable {
        var name: String
        var yaml: String
        var path: String
        var line: Int
        var accepts: ClosedRange<Int>
        var testDescription: String { name }

        func workflow(_ value: Int) -> String { yaml.replacingOccurrences(of: "VALUE", with: String(value)) }
    }

    static let fields: [Field] = [
        Field(name: "priority", yaml: "name: w\nsteps:\n  - id: a\n    type: echo\n    complexity: meta\n    priority: VALUE\n",
              path: "steps[0].priority", line: 6, accepts: NumericBounds.priority),
        Field(name: "retries", yaml: "name: w\nsteps:\n  - id: a\n    type: echo\n    retries: VALUE\n",
              path: "steps[0].retries.max", line: 5, accepts: NumericBounds.retries),
        Field(name: "retries.max", yaml: "name: w\nsteps:\n  - id: a\n    type: echo\n    retries:\n      max: VALUE\n",
              path: "steps[0].retries.max", line: 6, accepts: NumericBounds.retries),
        Field(name: "defaults.retries", yaml: "name: w\ndefaults:\n  retries: { max: VALUE }\nsteps:\n  - id: a\n    type: echo\n",
              path: "defaults.retries.max", line: 3, accepts: NumericBounds.retries),
        Field(name: "step maxConcurrency", yaml: "name: w\nsteps:\n  - id: a\n    type: echo\n    maxConcurrency: VALUE\n",
              path: "steps[0].maxConcurrency", line: 5, accepts: NumericBounds.concurrency),
        Field(name: "parallel.maxConcurrency", yaml: "name: w\nparallel:\n  maxConcurrency: VALUE\nsteps:\n  - id: a\n    type: echo\n",
              path: "parallel.maxConcurrency", line: 3, accepts: NumericBounds.concurrency),
        Field(name: "pool size", yaml: "name: w\nparallel:\n  resources:\n    db: VALUE\nsteps:\n  - id: a\n    type: echo\n    resource: db\n",
              path: "parallel.resources.db", line: 4, accepts: NumericBounds.concurrency),
        Field(name: "sleep seconds", yaml: "name: w\nsteps:\n  - id: a\n    type: sleep\n    with: { duration: VALUE }\n",
              path: "steps[0].with.duration", line: 5, accepts: 0...(365 * 86_400)),
        Field(name: "timeout seconds", yaml: "name: w\nsteps:\n  - id: a\n    type: echo\n    timeout: VALUE\n",
              path: "steps[0].timeout", line: 5, accepts: 1...(365 * 86_400)),
        Field(name: "queueTimeout seconds", yaml: "name: w\nsteps:\n  - id: a\n    type: echo\n    queueTimeout: VALUE\n",
              path: "steps[0].queueTimeout", line: 5, accepts: 1...(365 * 86_400)),
        Field(name: "defaults.queueTimeout seconds", yaml: "name: w\ndefaults:\n  queueTimeout: VALUE\nsteps:\n  - id: a\n    type: echo\n",
              path: "defaults.queueTimeout", line: 3, accepts: 1...(365 * 86_400)),
    ]

    static let extremes = [Int.min, Int.min + 1, -1_000_001, -1, 0, 1, 100, 101, 1_000_000, 1_000_001, 365 * 86_400 + 1, Int.max]

    @Test(arguments: fields)
    func everyExtremeIsAProblemWithALocationOrPlansWithoutTrapping(_ field: Field) throws {
        for value in Self.extremes {
            let text = field.workflow(value)
            do {
                let workflow = try WorkflowLoader.load(text: text, fileName: "f.yaml")
                let graph = try TaskGraph(workflow: workflow, fileName: "f.yaml")
                #expect(field.accepts.contains(value), "\(field.name) = \(value) was accepted")
                for task in graph.tasks {
                    #expect(NumericBounds.score.contains(task.priority))
                    #expect(task.settings.retry.maxAttempts >= 1 && task.settings.retry.maxAttempts <= 101)
                }
                _ = PlanAnalysis(graph: graph, durationEstimates: nil)
            } catch {
                // A negative timeout is not even a duration: the parser's problem is the one expected.
                #expect(!field.accepts.contains(value), "\(field.name) = \(value) was refused: \(error.problems)")
                let problem = try #require(error.problems.first)
                #expect(problem.file == "f.yaml")
                #expect(problem.line == field.line, "\(field.name) = \(value): \(problem)")
                #expect(problem.column != nil)
                #expect(problem.field == field.path || problem.code == .typeMismatch || problem.code == .badDuration,
                        "\(field.name) = \(value): \(problem)")
                #expect(problem.hint != nil || problem.code == .typeMismatch, "\(problem)")
            }
        }
    }

    @Test func theIssuesAdversarialFilesAreProblemsNotTraps() throws {
        let priority = "name: w\nsteps:\n  - id: a\n    type: echo\n    complexity: meta\n    priority: 9223372036854775807\n"
        let retries = "name: w\nsteps:\n  - id: a\n    type: echo\n    retries: 9223372036854775807\n"
        #expect(Self.problems(retries).map(\.field) == ["steps[0].retries.max"])
        #expect(Self.problems(priority).map(\.description) == [
            "f.yaml:6:15: step 'a': priority must be between -1,000,000 and 1,000,000, found 9,223,372,036,854,775,807 "
                + "— an offset added to the step's score (higher runs first); write a number between -1,000,000 and 1,000,000",
        ])
    }

    @Test func durationsOverAYearAreProblems() throws {
        for field in ["timeout: 366d", "retries: { initial: 400d, cap: 500d }", "cache: { ttl: 9999999h }"] {
            let text = "name: w\nsteps:\n  - id: a\n    type: echo\n    \(field)\n"
            let problems = Self.problems(text)
            #expect(problems.contains { $0.code == .badDuration && $0.message.contains("365 days") }, "\(field): \(problems)")
        }
    }

    /// The problems loading `text` reports (empty if it loads).
    static func problems(_ text: String) -> [WorkflowProblem] {
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "f.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test(arguments: [Int.min, -1, 0, 1, Int.max])
    func scoresSaturateWhateverTheTables(_ points: Int) {
        let tables = PriorityTables(
            complexityPoints: ["meta": points, "medium": points], kindPoints: ["api": points], dependentsBonusCap: points)
        for priority in [Int.min, -1, 0, Int.max] {
            var step = Step(id: "a")
            step.complexity = .meta
            step.kind = "api"
            step.priority = priority
            for dependents in [Int.min, 0, Int.max] {
                #expect(NumericBounds.score.contains(tables.score(for: step, dependents: dependents)))
            }
        }
    }

    @Test(arguments: [Int.min, -1, 0, Int.max])
    func retryArithmeticSaturates(_ retries: Int) {
        let policy = RetryPolicy(maxRetries: retries, initial: .seconds(Int64.max), cap: .seconds(Int64.max))
        #expect((1...101).contains(policy.maxAttempts))
        for attempt in [Int.min, -1, 0, 1, Int.max] {
            _ = policy.shouldRetry(outcome: .failed, attempt: attempt)
            #expect(policy.delay(afterAttempt: attempt, jitterSample: 0.5) >= .zero)
        }
    }

    @Test func durationClampKeepsSpecsFromRedisInRange() {
        #expect(NumericBounds.clamp(.milliseconds(Int.max)) == NumericBounds.longestDuration)
        #expect(NumericBounds.clamp(.milliseconds(Int.min)) == .zero)
        #expect(NumericBounds.clamp(.seconds(5)) == .seconds(5))
    }
}
