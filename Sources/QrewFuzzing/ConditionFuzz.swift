import QrewCore

/// `if:` expressions on arbitrary text: the bytes before the first NUL are the expression, the
/// bytes after it the output every `steps.X.output` reads. Checked: parsing either succeeds or
/// reports a problem inside the text; a parsed expression prints to text that parses to the same
/// tree (`parseStored`, what a worker reads from a spec); evaluation is total (any state of the
/// dependencies, any output) and substituting params and matrix values leaves none of them.
enum ConditionFuzz {
    static func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        let (head, tail) = bytes.splitOnce(at: 0)
        let text = String(fuzzBytes: head)
        let output = String(fuzzBytes: tail ?? [])
        let expression: ConditionExpression
        do {
            expression = try ConditionParser.parse(text)
        } catch {
            try expect(error.offset >= 0 && error.offset <= max(text.unicodeScalars.count, ConditionParser.maximumLength),
                       "problem offset \(error.offset) outside \(text.debugDescription)")
            return
        }
        let printed = expression.description
        do {
            let reparsed = try ConditionParser.parseStored(printed)
            try expect(reparsed == expression, "\(text.debugDescription) prints as \(printed.debugDescription), which parses differently")
        } catch let error as FuzzFailure {
            throw error
        } catch {
            throw FuzzFailure("the printed form \(printed.debugDescription) of \(text.debugDescription) does not parse: \(error)")
        }
        var states: [String: String] = [:]
        var outputs: [String: String] = [:]
        for (index, step) in expression.referencedSteps.enumerated() {
            states[step] = ["succeeded", "failed", "skipped", "timed_out", "lost", "canceled"][index % 6]
            outputs[step] = output
        }
        for tolerated in [Set<String>(), Set(states.keys)] {
            _ = ConditionEvaluator.shouldRun(expression, in: ConditionContext(states: states, outputs: outputs, tolerated: tolerated))
        }
        let params = Dictionary(expression.referencedParams.map { ($0, output) }, uniquingKeysWith: { first, _ in first })
        let matrix = Dictionary(expression.referencedMatrixKeys.map { ($0, output) }, uniquingKeysWith: { first, _ in first })
        let substituted = expression.substituting(params: params, matrix: matrix)
        try expect(substituted.referencedParams.isEmpty && substituted.referencedMatrixKeys.isEmpty,
                   "substitution left params or matrix keys in \(substituted)")
    }
}
