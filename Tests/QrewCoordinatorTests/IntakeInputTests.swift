import Testing
@testable import QrewCoordinator

/// What the intake accepts from a submission entry before it loads the workflow (no Redis).
struct IntakeInputTests {
    @Test(arguments: ["r1", "nightly-2026.12.01_a", String(repeating: "x", count: 128)])
    func acceptsRunIDs(_ id: String) {
        #expect(IntakeLoop.isValidRunID(id))
    }

    @Test(arguments: ["", "a/b", "a b", "run:1", "é", "a\n", String(repeating: "x", count: 129)])
    func refusesRunIDsThatCannotNameAKey(_ id: String) {
        #expect(!IntakeLoop.isValidRunID(id))
    }

    @Test func readsStringParametersAndIgnoresTheRest() {
        #expect(IntakeLoop.parameters(#"{"env": "prod", "n": "3"}"#) == ["env": "prod", "n": "3"])
        #expect(IntakeLoop.parameters(#"{"env": "prod", "n": 3, "x": null}"#) == ["env": "prod"])
        #expect(IntakeLoop.parameters("[1, 2]").isEmpty)
        #expect(IntakeLoop.parameters("not json").isEmpty)
    }
}
