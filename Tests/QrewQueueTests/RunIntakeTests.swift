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
}
