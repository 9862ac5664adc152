import Testing
@testable import QrewCore

/// `circuitBreaker`, `rateLimit` and `concurrency`: decoded with their lines, validated before
/// anything is queued, keys rendered at submission.
struct GateDecodingTests {
    private static let valid = """
    name: gates
    params: { customer: acme }
    defaults:
      circuitBreaker: { failures: 5, window: 1m, cooldown: 30s }
    steps:
      - id: fetch
        type: http
        url: http://127.0.0.1:9/x
        matrix: { host: [a, b] }
        circuitBreaker: { failures: 3, window: 10s, cooldown: 5s, key: "${{ matrix.host }}" }
        rateLimit: { key: api, limit: 50, per: 1s }
        concurrency: { key: "${{ params.customer }}", limit: 2 }
      - id: plain
        type: echo
    """

    private func problems(_ text: String) -> [WorkflowProblem] {
        do {
            _ = try WorkflowLoader.load(text: text, fileName: "gates.yaml")
            return []
        } catch {
            return error.problems
        }
    }

    @Test func gatesAreDecodedAndRenderedPerTask() throws {
        let workflow = try WorkflowLoader.load(text: Self.valid, fileName: "gates.yaml")
        let graph = try TaskGraph(workflow: try workflow.applyingParameters([:]))
        let a = try #require(graph["fetch[host=a]"])
        #expect(a.settings.circuitBreaker == CircuitBreakerSpec(failures: 3, window: .seconds(10), cooldown: .seconds(5), key: "a"))
        #expect(graph["fetch[host=b]"]?.settings.circuitBreaker?.key == "b")
        #expect(a.settings.rateLimit == RateLimitSpec(key: "api", limit: 50, per: .seconds(1)))
        #expect(a.settings.concurrency == KeyedConcurrencySpec(key: "acme", limit: 2))
        let plain = try #require(graph["plain"])
        #expect(plain.settings.circuitBreaker == CircuitBreakerSpec(failures: 5, window: .seconds(60), cooldown: .seconds(30), key: "plain"),
                "the default breaker is keyed by step id")
        #expect(plain.settings.rateLimit == nil)
        #expect(plain.settings.concurrency == nil)
    }

    @Test func aRateLimitWithoutKeyUsesTheStepID() throws {
        let workflow = try WorkflowLoader.load(text: """
        name: r
        steps:
          - { id: call, type: echo, rateLimit: { limit: 10, per: 1m } }
        """)
        #expect(try TaskGraph(workflow: workflow)["call"]?.settings.rateLimit?.key == "call")
    }

    struct BadCase: CustomTestStringConvertible, Sendable {
        var gate: String
        var code: WorkflowProblem.Code
        var field: String
        var testDescription: String { gate }
    }

    static let badCases: [BadCase] = [
        .init(gate: "rateLimit: { limit: 0, per: 1s }", code: .invalidValue, field: "steps[0].rateLimit.limit"),
        .init(gate: "rateLimit: { limit: 100001, per: 1s }", code: .invalidValue, field: "steps[0].rateLimit.limit"),
        .init(gate: "rateLimit: { limit: 5, per: 0s }", code: .badDuration, field: "steps[0].rateLimit.per"),
        .init(gate: "rateLimit: { limit: 5, per: soon }", code: .badDuration, field: "steps[0].rateLimit.per"),
        .init(gate: "rateLimit: { limit: 5 }", code: .missingField, field: "steps[0].rateLimit.per"),
        .init(gate: "rateLimit: { limit: 5, per: 1s, burst: 9 }", code: .unknownKey, field: "steps[0].rateLimit.burst"),
        .init(gate: "concurrency: { limit: 2 }", code: .missingField, field: "steps[0].concurrency.key"),
        .init(gate: "concurrency: { key: x, limit: -1 }", code: .invalidValue, field: "steps[0].concurrency.limit"),
        .init(gate: "concurrency: { key: '', limit: 1 }", code: .invalidValue, field: "steps[0].concurrency.key"),
        .init(gate: "concurrency: { key: '${{ params.nope }}', limit: 1 }", code: .badReference, field: "steps[0].concurrency.key"),
        .init(gate: "concurrency: { key: '${{ run.id }}', limit: 1 }", code: .badReference, field: "steps[0].concurrency.key"),
        .init(gate: "circuitBreaker: { failures: 0, window: 1m, cooldown: 1s }", code: .invalidValue,
              field: "steps[0].circuitBreaker.failures"),
        .init(gate: "circuitBreaker: { failures: 3, window: 1m }", code: .missingField, field: "steps[0].circuitBreaker.cooldown"),
        .init(gate: "circuitBreaker: { failures: 3, window: 1m, cooldown: 2y }", code: .badDuration,
              field: "steps[0].circuitBreaker.cooldown"),
        .init(gate: "circuitBreaker: 3", code: .typeMismatch, field: "steps[0].circuitBreaker"),
    ]

    @Test(arguments: badCases)
    func badGatesAreRefusedWithTheirLine(_ bad: BadCase) throws {
        let found = problems("""
        name: bad
        steps:
          - id: s
            type: echo
            \(bad.gate)
        """)
        let first = try #require(found.first, "\(bad.gate) was accepted")
        #expect(first.code == bad.code, "\(found)")
        #expect(first.field == bad.field, "\(found)")
        #expect(first.line == 5, "\(found)")
        #expect(first.hint != nil || first.code == .typeMismatch, "\(found)")
    }

    @Test func aStepOutputInAGateKeyIsRefused() {
        let found = problems("""
        name: bad
        steps:
          - { id: a, type: echo }
          - id: b
            type: echo
            circuitBreaker: { failures: 1, window: 1m, cooldown: 1m, key: "${{ steps.a.output }}" }
        """)
        #expect(found.map(\.field) == ["steps[1].circuitBreaker.key"])
    }

    @Test func aDefaultBreakerKeyMayNotUseTheMatrix() {
        let found = problems("""
        name: bad
        defaults: { circuitBreaker: { failures: 1, window: 1m, cooldown: 1m, key: "${{ matrix.x }}" } }
        steps:
          - { id: a, type: echo }
        """)
        #expect(found.map(\.field) == ["defaults.circuitBreaker.key"])
    }

    @Test func escapingKeepsCommasOutOfGateNamesAndRoundTrips() {
        for key in ["plain", "a,b", "100%", "%2C", "a%,b,,%25"] {
            let escaped = GateKeyEscaping.escape(key)
            #expect(!escaped.contains(","))
            #expect(GateKeyEscaping.unescape(escaped) == key)
        }
    }
}
