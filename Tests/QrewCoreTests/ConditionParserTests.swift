import Testing
@testable import QrewCore

/// `if:` expressions: the grammar, its bounds, and printing/parsing as inverses.
struct ConditionParserTests {
    @Test(arguments: [
        ("failure()", ConditionExpression.call(.failure, [])),
        ("${{ always() }}", .call(.always, [])),
        ("  ${{ steps.a.output == 'x' }} ", .equal(.stepOutput("a"), .literal(.string("x")))),
        ("steps.build-1.state != 'failed'", .notEqual(.stepState("build-1"), .literal(.string("failed")))),
        ("!success() || params.mode == 'it''s'", .or(.not(.call(.success, [])), .equal(.param("mode"), .literal(.string("it's"))))),
        ("a_b() ", nil),
        ("true && false || null", .or(.and(.literal(.bool(true)), .literal(.bool(false))), .literal(.null))),
        ("true && (false || null)", .and(.literal(.bool(true)), .or(.literal(.bool(false)), .literal(.null)))),
        ("contains(fromJSON(steps.list.output), matrix.os)",
         .call(.contains, [.call(.fromJSON, [.stepOutput("list")]), .matrix("os")])),
        ("startsWith('abc', 'a') == -1.5", .equal(.call(.startsWith, [.literal(.string("abc")), .literal(.string("a"))]), .literal(.number(-1.5)))),
        ("!!always()", .not(.not(.call(.always, [])))),
    ] as [(String, ConditionExpression?)])
    func parses(text: String, expected: ConditionExpression?) throws {
        if let expected {
            #expect(try ConditionParser.parse(text) == expected)
        } else {
            #expect(throws: ConditionSyntaxError.self) { try ConditionParser.parse(text) }
        }
    }

    @Test(arguments: [
        ("steps.a.output = 'x'", 15, "unexpected character '='"),
        ("steps.a.result", 8, "steps.a.result is not available"),
        ("failure(", 8, "ends where a value was expected"),
        ("(true", 5, "expected ')' to close the '(' at character 1"),
        ("success() &&", 12, "ends where a value was expected"),
        ("'open", 0, "unterminated string"),
        ("nope()", 0, "unknown name 'nope'"),
        ("contains('a')", 0, "contains() takes 2 arguments, not 1"),
        ("always() always()", 9, "unexpected 'always' after the expression"),
        ("\"double\"", 0, "strings use single quotes"),
        ("${{ failure( }}", 13, "where a value was expected"),
    ])
    func reportsWhereItWentWrong(text: String, offset: Int, message: String) {
        do {
            _ = try ConditionParser.parse(text)
            Issue.record("\(text) parsed")
        } catch {
            #expect(error.offset == offset, "\(text): \(error)")
            #expect(error.message.contains(message), "\(text): \(error)")
        }
    }

    @Test func lengthAndNestingAreBounded() {
        let long = String(repeating: "true && ", count: 400) + "true"
        #expect(throws: ConditionSyntaxError.self) { try ConditionParser.parse(long) }
        let deep = String(repeating: "(", count: 100) + "true" + String(repeating: ")", count: 100)
        #expect(throws: ConditionSyntaxError.self) { try ConditionParser.parse(deep) }
        let bangs = String(repeating: "!", count: 100) + "true"
        #expect(throws: ConditionSyntaxError.self) { try ConditionParser.parse(bangs) }
        let nested = String(repeating: "(", count: 10) + "true" + String(repeating: ")", count: 10)
        #expect((try? ConditionParser.parse(nested)) == .literal(.bool(true)))
    }

    /// The printed form adds parentheses; what a spec stores must read back even when the
    /// expression as written was at the limits.
    @Test func anExpressionAtTheLimitsReadsBackFromItsPrintedForm() throws {
        let long = (0..<90).map { _ in "(params.p == 'x')" }.joined(separator: " && ")
        #expect(long.unicodeScalars.count < ConditionParser.maximumLength)
        let parsed = try ConditionParser.parse(long).substituting(params: ["p": String(repeating: "v", count: 20)], matrix: [:])
        #expect(parsed.description.unicodeScalars.count > ConditionParser.maximumLength)
        #expect(try ConditionParser.parseStored(parsed.description) == parsed)
        #expect(try ConditionParser.parse(long).description == (0..<90).map { _ in "params.p == 'x'" }.joined(separator: " && "))
        let deep = String(repeating: "!(", count: 8) + "true || false" + String(repeating: ")", count: 8)
        let nested = try ConditionParser.parse(deep)
        #expect(try ConditionParser.parseStored(nested.description) == nested)
    }

    /// Random expressions: printing then parsing gives the same tree; evaluation of anything
    /// parsed never traps and yields a value.
    @Test func printingThenParsingGivesTheSameTree() throws {
        var random = SplitMix64(seed: 16)
        for _ in 0..<2_000 {
            let expression = RandomCondition.expression(depth: 4, using: &random)
            let text = expression.description
            let parsed = try ConditionParser.parse(text)
            #expect(parsed == expression, "\(text)")
            let context = ConditionContext(
                states: ["a": "failed", "b": "succeeded"], outputs: ["a": "[1, \"x\"]", "b": "{\"k\": true}"], tolerated: ["a"])
            _ = ConditionEvaluator.shouldRun(parsed, in: context)
        }
    }

    /// Random text made of the grammar's pieces: the parser either parses it or reports a
    /// problem within the text; it never traps.
    @Test func arbitraryTextNeverTraps() {
        var random = SplitMix64(seed: 7)
        let pieces = ["(", ")", "!", "==", "!=", "&&", "||", ",", ".", "'", "steps", "a", "state", "output", "params", "x",
                      "success()", "fromJSON(", "contains(", "1", "-2.5", "1e3", "true", "null", " ", "${{", "}}", "=", "\"", "\u{301}", "é"]
        for _ in 0..<3_000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            do {
                let parsed = try ConditionParser.parse(text)
                _ = ConditionEvaluator.evaluate(parsed, in: ConditionContext(states: [:]))
            } catch {
                #expect(error.offset >= 0 && error.offset <= text.unicodeScalars.count, "\(text): \(error)")
            }
        }
    }
}

/// Random well-formed expressions for the property tests.
enum RandomCondition {
    static func expression(depth: Int, using random: inout SplitMix64) -> ConditionExpression {
        let leafOnly = depth <= 0
        switch Int.random(in: 0..<(leafOnly ? 6 : 12), using: &random) {
        case 0: return .literal(literal(using: &random))
        case 1: return .stepState(["a", "b", "build-2", "x_y"].randomElement(using: &random)!)
        case 2: return .stepOutput(["a", "b"].randomElement(using: &random)!)
        case 3: return .param(["mode", "env"].randomElement(using: &random)!)
        case 4: return .matrix(["os"].randomElement(using: &random)!)
        case 5: return .call([.success, .failure, .always].randomElement(using: &random)!, [])
        case 6: return .not(expression(depth: depth - 1, using: &random))
        case 7: return .equal(expression(depth: depth - 1, using: &random), expression(depth: depth - 1, using: &random))
        case 8: return .notEqual(expression(depth: depth - 1, using: &random), expression(depth: depth - 1, using: &random))
        case 9: return .and(expression(depth: depth - 1, using: &random), expression(depth: depth - 1, using: &random))
        case 10: return .or(expression(depth: depth - 1, using: &random), expression(depth: depth - 1, using: &random))
        default:
            let function = [ConditionFunction.contains, .startsWith, .fromJSON].randomElement(using: &random)!
            return .call(function, (0..<function.arity).map { _ in expression(depth: depth - 1, using: &random) })
        }
    }

    static func literal(using random: inout SplitMix64) -> ConditionValue {
        switch Int.random(in: 0..<5, using: &random) {
        case 0: .null
        case 1: .bool(Bool.random(using: &random))
        case 2: .number(Double(Int.random(in: -1000...1000, using: &random)) / [1, 4, 10].randomElement(using: &random)!)
        case 3: .number(Double.random(in: -1e20...1e20, using: &random))
        default: .string(["", "x", "it's", "a b", "ü", "'", "\u{301}x", "'\u{301}", "e\u{301}'"].randomElement(using: &random)!)
        }
    }
}
