import QrewCore
import Testing
@testable import QrewQueue

/// The coordinator's cache of loaded workflow texts (no Redis involved).
struct WorkflowCacheTests {
    private static func text(_ name: String) -> String {
        "name: \(name)\nsteps:\n  - id: only\n    type: echo\n    with: { message: hi }\n"
    }

    /// Counts the loads that really parse.
    private final class Loads {
        var count = 0
    }

    /// Loads `text` through `cache`.
    private static func load(_ cache: WorkflowCache, _ text: String, _ loads: Loads) throws -> Workflow {
        try cache.workflow(for: text) { () throws(WorkflowValidationError) in
            loads.count += 1
            return try WorkflowLoader.loadValidated(text: text)
        }.workflow
    }

    @Test func aResubmittedTextIsParsedOnce() throws {
        let cache = WorkflowCache()
        let loads = Loads()
        let first = try Self.load(cache, Self.text("a"), loads)
        let second = try Self.load(cache, Self.text("a"), loads)
        #expect(first == second)
        #expect(loads.count == 1)
        _ = try Self.load(cache, Self.text("b"), loads)
        #expect(loads.count == 2)
    }

    @Test func aTextWithProblemsIsNotKept() {
        let cache = WorkflowCache()
        let loads = Loads()
        for _ in 0..<2 {
            #expect(throws: WorkflowValidationError.self) { try Self.load(cache, "name: x\nsteps: []\n", loads) }
        }
        #expect(loads.count == 2)
        #expect(cache.count == 0)
    }

    @Test func theLeastRecentlyUsedTextLeavesFirst() throws {
        let cache = WorkflowCache(capacity: 2)
        let loads = Loads()
        _ = try Self.load(cache, Self.text("a"), loads)
        _ = try Self.load(cache, Self.text("b"), loads)
        _ = try Self.load(cache, Self.text("a"), loads)  // a is now the most recent
        _ = try Self.load(cache, Self.text("c"), loads)  // evicts b
        #expect(cache.count == 2)
        #expect(loads.count == 3)
        _ = try Self.load(cache, Self.text("a"), loads)
        #expect(loads.count == 3)
        _ = try Self.load(cache, Self.text("b"), loads)
        #expect(loads.count == 4)
    }

    @Test func aLargeTextIsNotKept() throws {
        let cache = WorkflowCache(maxTextBytes: 16)
        let loads = Loads()
        _ = try Self.load(cache, Self.text("a"), loads)
        _ = try Self.load(cache, Self.text("a"), loads)
        #expect(loads.count == 2)
        #expect(cache.count == 0)
    }
}
