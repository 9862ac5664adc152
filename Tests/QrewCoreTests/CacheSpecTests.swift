import Testing
@testable import QrewCore

/// `cache` on a step and in `defaults`: decoding, validation with locations, resolution into
/// task settings, and the task spec's `cache` member.
struct CacheSpecTests {
    private func load(_ text: String) throws -> Workflow { try WorkflowLoader.load(text: text, fileName: "f.yaml") }

    private func problems(_ text: String) -> [WorkflowProblem] {
        do {
            _ = try load(text)
            return []
        } catch let error as WorkflowValidationError {
            return error.problems
        } catch {
            Issue.record("unexpected \(error)")
            return []
        }
    }

    @Test func everyKeyDecodes() throws {
        let workflow = try load("""
            name: w
            steps:
              - id: a
                type: echo
                cache: { key: "k-${{ run.id }}", ttl: 2h, scope: namespace, similar: "hello world", threshold: 0.9 }
            """)
        #expect(workflow.steps[0].cache == CacheSpec(
            key: "k-${{ run.id }}", ttl: .seconds(7200), scope: .namespace, similar: "hello world", threshold: 0.9))
    }

    @Test func defaultsApplyUnlessTheStepSaysOtherwise() throws {
        let workflow = try load("""
            name: w
            params: { topic: cats }
            defaults: { cache: { ttl: 10m, similar: "about ${{ params.topic }}" } }
            steps:
              - id: a
                type: echo
              - id: b
                type: echo
                cache: false
              - id: c
                type: echo
                cache: true
            """)
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph["a"]?.settings.cache == CacheSpec(ttl: .seconds(600), similar: "about cats"))
        #expect(graph["b"]?.settings.cache == nil)
        #expect(graph["c"]?.settings.cache == CacheSpec())
    }

    @Test func badValuesAreLocatedProblems() {
        let cases: [(String, String, String)] = [
            ("cache: { scope: global }", "steps[0].cache.scope", "unknown cache scope 'global'"),
            ("cache: { similar: x, threshold: 0 }", "steps[0].cache.threshold", "greater than 0 and at most 1"),
            ("cache: { similar: x, threshold: 1.5 }", "steps[0].cache.threshold", "greater than 0 and at most 1"),
            ("cache: { similar: x, threshold: high }", "steps[0].cache.threshold", "must be a number"),
            ("cache: { threshold: 0.5 }", "steps[0].cache.threshold", "only applies to similarity"),
            ("cache: { ttl: 500ms }", "steps[0].cache.ttl", "at least 1s"),
            ("cache: { ttl: 0s }", "steps[0].cache.ttl", "greater than zero"),
            ("cache: { key: \"\" }", "steps[0].cache.key", "must not be empty"),
            ("cache: { similar: \"  \" }", "steps[0].cache.similar", "must not be empty"),
            ("cache: { keys: x }", "steps[0].cache.keys", "keys"),
            ("cache: maybe", "steps[0].cache", "true, false or a mapping"),
        ]
        for (field, path, message) in cases {
            let found = problems("name: w\nsteps:\n  - id: a\n    type: echo\n    \(field)\n")
            #expect(found.contains { $0.field == path && $0.description.contains(message) && $0.description.hasPrefix("f.yaml:5:") },
                    "\(field): \(found.map(\.description))")
        }
        let defaults = problems("name: w\ndefaults: { cache: { scope: galaxy } }\nsteps:\n  - id: a\n    type: echo\n")
        #expect(defaults.map(\.field) == ["defaults.cache.scope"])
        let reading = problems("name: w\ndefaults: { cache: { key: \"${{ steps.a.output }}\" } }\nsteps:\n  - id: a\n    type: echo\n")
        #expect(reading.map(\.field) == ["defaults.cache.key"], "\(reading)")
    }

    /// `defaults.cache` is rendered for every step without a cache of its own, so each of its
    /// references needs a value in each of them (found by the intake fuzz target: an undeclared
    /// parameter validated, then no worker could render the task).
    @Test func defaultsCacheTemplatesNeedAValueInEveryStepUsingThem() {
        let steps = "steps:\n  - id: a\n    type: echo\n  - id: b\n    type: echo\n    cache: false\n"
        let cases: [(String, String)] = [
            ("params: { to500mscats }\ndefaults: { cache: { ttl: 10m, similar: \"about ${{ params.topic }}\" } }\n",
             "refers to undeclared parameter 'topic'"),
            ("defaults: { cache: { key: \"k-${{ matrix.size }}\" } }\n",
             "has no value in step 'a', which uses 'defaults.cache' and has no matrix key 'size'"),
            ("defaults: { cache: { key: \"k-${{ params.x \" } }\n", "unterminated"),
        ]
        for (defaults, message) in cases {
            let found = problems("name: w\n" + defaults + steps)
            #expect(found.count == 1 && found[0].field?.hasPrefix("defaults.cache.") == true && found[0].description.contains(message),
                    "\(defaults): \(found.map(\.description))")
        }
        let declared = problems("name: w\nparams: { topic: cats }\ndefaults: { cache: { similar: \"${{ params.topic }} ${{ run.id }}\" } }\n" + steps)
        #expect(declared.isEmpty, "\(declared.map(\.description))")
        let matrix = problems(
            "name: w\ndefaults: { cache: { key: \"k-${{ matrix.size }}\" } }\nsteps:\n  - id: a\n    type: echo\n"
                + "    matrix: { size: [1, 2] }\n  - id: b\n    type: echo\n    cache: { key: plain }\n")
        #expect(matrix.isEmpty, "\(matrix.map(\.description))")
    }

    @Test func taskSettingsCarryTheScopeAsAPartition() {
        let run = TaskCacheSettings(CacheSpec(scope: .run), workflowName: "w", runID: "r1")
        #expect(run.partition == "run:r1")
        #expect(run.ttlMilliseconds == 3_600_000)
        #expect(run.threshold == nil)
        let shared = TaskCacheSettings(CacheSpec(ttl: .seconds(5), similar: "x"), workflowName: "w", runID: "r1")
        #expect(shared.partition == "workflow:w")
        #expect(shared.ttlMilliseconds == 5000)
        #expect(shared.threshold == 0.85)
        #expect(TaskCacheSettings(CacheSpec(scope: .namespace), workflowName: "w", runID: "r").partition == "namespace")
    }

    @Test func theSpecsCacheMemberRoundTrips() throws {
        let cache = TaskCacheSettings(key: "k ${{ steps.a.output }}", partition: "workflow:w", ttlMilliseconds: 1000,
                                      similar: "some \"text\"", threshold: 0.75)
        let spec = TaskSpec(runID: "r", taskID: "t", stepID: "s", type: "echo", cache: cache)
        #expect(try TaskSpec(jsonText: spec.jsonText) == spec)
        let plain = TaskSpec(runID: "r", taskID: "t", stepID: "s", type: "echo")
        #expect(!plain.jsonText.contains("cache"))
        #expect(try TaskSpec(jsonText: plain.jsonText).cache == nil)
        let rendered = try TaskSpec(
            runID: "r", taskID: "t", stepID: "s", type: "echo", outputRefs: ["a": ["a"]], cache: cache
        ).rendered(outputs: ["a": "out"])
        #expect(rendered.cache?.key == "k out")
    }
}
