import Foundation
import Testing

/// `validate` and `plan`: no Redis involved.
@Suite("qctl validate and plan")
struct LocalCommandTests {
    /// One bad file per kind of problem, with what the message must name.
    static let badFiles: [(name: String, yaml: String, expected: [String])] = [
        ("cycle", """
            name: cyclic
            steps:
              - { id: a, run: [echo], dependsOn: [c] }
              - { id: b, run: [echo], dependsOn: [a] }
              - { id: c, run: [echo], dependsOn: [b] }
            """, ["dependency cycle", "step 'a'"]),
        ("missing-dependency", """
            name: missing
            steps:
              - { id: build, run: [make] }
              - { id: deploy, run: [./deploy.sh], dependsOn: [biuld] }
            """, ["unknown step 'biuld'", "step 'deploy'"]),
        ("duplicate-id", """
            name: dup
            steps:
              - { id: build, run: [make] }
              - { id: build, run: [make, test] }
            """, ["duplicate step id", "step 'build'"]),
        ("unknown-key", """
            name: typo
            steps:
              - id: api
                dependOn: []
                run: [./deploy.sh]
            """, ["unknown key 'dependOn'", "step 'api'"]),
        ("bad-duration", """
            name: slow
            steps:
              - id: wait
                run: [sleep, "5"]
                timeout: 10 minutes
            """, ["not a duration", "step 'wait'"]),
        ("malformed", """
            name: broken
            steps:
              - id: a
                run: [echo, a
              - id: b
            """, ["invalid YAML", "malformed.yaml:"]),
    ]

    @Test(arguments: badFiles.indices)
    func validateNamesEveryKindOfProblem(index: Int) async throws {
        let bad = Self.badFiles[index]
        let path = try temporaryFile("\(bad.name).yaml", bad.yaml)
        let result = try await qctl("validate", path)
        #expect(result.status == 1, "\(bad.name): \(result.stdout)\(result.stderr)")
        for text in bad.expected {
            #expect(result.stdout.contains(text), "\(bad.name): expected '\(text)' in \(result.stdout)")
        }
        #expect(result.stderr.contains("nothing was queued"))
    }

    @Test func validateAcceptsAGoodFile() async throws {
        let result = try await qctl("validate", try temporaryFile("small.yaml", smallWorkflow))
        #expect(result.status == 0)
        #expect(result.stdout == "ok\n")
    }

    @Test func aMissingArgumentIsAUsageError() async throws {
        let result = try await qctl("validate")
        #expect(result.status == 2)
        #expect(result.stderr.contains("Missing expected argument"))
        #expect(try await qctl("submit").status == 2)
        #expect(try await qctl("status").status == 2)
    }

    @Test func planJSONHasExactLevelsAndCriticalPath() async throws {
        let result = try await qctl("plan", "--json", try temporaryFile("small.yaml", smallWorkflow))
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["levels"] as? [[String]] == [["a"], ["b", "c"], ["d"]])
        #expect(object["criticalPath"] as? [String] == ["a", "b", "d"])
        #expect(object["taskCount"] as? Int == 4)
    }
}
