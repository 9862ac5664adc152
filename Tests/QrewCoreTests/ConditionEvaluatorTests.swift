import Testing
@testable import QrewCore

/// Evaluation of `if:` expressions over the dependencies' final states and outputs.
struct ConditionEvaluatorTests {
    private static let failed = ConditionContext(states: ["a": "failed", "b": "succeeded"], outputs: ["a": "", "b": "x"])
    private static let succeeded = ConditionContext(
        states: ["a": "succeeded", "b": "succeeded"], outputs: ["a": "[\"eu\", \"us\"]", "b": "Release-1.2"])
    private static let skipped = ConditionContext(states: ["a": "skipped"])
    private static let tolerated = ConditionContext(states: ["a": "failed"], tolerated: ["a"])

    @Test(arguments: [
        ("success()", false, true, false, true),
        ("failure()", true, false, false, true),
        ("always()", true, true, true, true),
        ("steps.b.output == 'x'", false, false, false, false),
        ("failure() && steps.a.state == 'failed'", true, false, false, true),
        ("always() && steps.a.state == 'skipped'", false, false, true, false),
        ("contains(fromJSON(steps.a.output), 'us')", false, true, false, false),
        ("startsWith(steps.b.output, 'release-')", false, true, false, false),
        ("contains(steps.b.output, '1.2')", false, true, false, false),
        ("!failure()", false, true, true, false),
        ("fromJSON('{\"k\": 1}') && fromJSON('not json') == null", false, true, false, true),
        ("always() && (1 == '1') && (true == 1) && ('' == 0) && !(null != 0)", true, true, true, true),
    ])
    func evaluates(text: String, whenFailed: Bool, whenSucceeded: Bool, whenSkipped: Bool, whenTolerated: Bool) throws {
        let expression = try ConditionParser.parse(text)
        #expect(ConditionEvaluator.shouldRun(expression, in: Self.failed) == whenFailed, "failed: \(text)")
        #expect(ConditionEvaluator.shouldRun(expression, in: Self.succeeded) == whenSucceeded, "succeeded: \(text)")
        #expect(ConditionEvaluator.shouldRun(expression, in: Self.skipped) == whenSkipped, "skipped: \(text)")
        #expect(ConditionEvaluator.shouldRun(expression, in: Self.tolerated) == whenTolerated, "tolerated: \(text)")
    }

    @Test func orAndAndReturnTheirOperands() throws {
        let value = ConditionEvaluator.evaluate(try ConditionParser.parse("'' || 'fallback'"), in: Self.failed)
        #expect(value == .string("fallback"))
        #expect(ConditionEvaluator.evaluate(try ConditionParser.parse("0 && 'x'"), in: Self.failed) == .number(0))
    }

    @Test func aMatrixStepShowsItsWorstState() {
        #expect(ConditionContext.stepState(of: ["succeeded", "succeeded"]) == "succeeded")
        #expect(ConditionContext.stepState(of: ["succeeded", "skipped", "failed"]) == "failed")
        #expect(ConditionContext.stepState(of: ["succeeded", "skipped"]) == "skipped")
        let condition = TaskCondition(expression: "x", text: "x", dependencies: ["m": ["m[os=a]", "m[os=b]"]], tolerated: [])
        let context = condition.context(states: ["m[os=a]": "succeeded", "m[os=b]": "timed_out"],
                                        outputs: ["m[os=a]": "1", "m[os=b]": "2"])
        #expect(context.states == ["m": "timed_out"])
        #expect(context.outputs == ["m": "1\n2"])
        #expect(context.failure)
    }

    @Test func paramsAndMatrixAreSubstitutedAtDecomposition() throws {
        let expression = try ConditionParser.parse("params.mode == 'full' && matrix.os != 'mac'")
        let substituted = expression.substituting(params: ["mode": "full"], matrix: ["os": "linux"])
        #expect(substituted.description == "'full' == 'full' && 'linux' != 'mac'")
        #expect(ConditionEvaluator.shouldRun(substituted, in: ConditionContext(states: [:])))
    }
}
