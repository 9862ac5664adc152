import Testing
@testable import QrewCore

/// `${{ secrets.NAME }}`: allowed only in env, headers and with values of steps a worker runs,
/// kept as a reference through planning, resolved only in those fields on the worker.
struct SecretsTests {
    static let workflow = """
        name: deploy
        steps:
          - id: push
            type: shell
            run: ["sh", "-c", "echo $TOKEN"]
            env: { TOKEN: "${{ secrets.DEPLOY_TOKEN }}" }
          - id: call
            type: http
            url: https://example.com/hook
            headers: { Authorization: "Bearer ${{ secrets.API_KEY }}" }
          - id: say
            type: echo
            with: { message: "key=${{ secrets.API_KEY }}" }
        """

    @Test func secretsInEnvHeadersAndWithAreKeptAsReferencesWhenPlanned() throws {
        let workflow = try WorkflowLoader.load(text: Self.workflow, fileName: "w.yaml")
        let graph = try TaskGraph(workflow: workflow)
        #expect(graph["push"]?.settings.env["TOKEN"] == "${{ secrets.DEPLOY_TOKEN }}")
        #expect(graph["call"]?.settings.http?.headers["Authorization"] == "Bearer ${{ secrets.API_KEY }}")
    }

    @Test(arguments: [
        ("    type: shell\n    run: [\"curl\", \"${{ secrets.T }}\"]\n", "steps[0].run[1]", "pass it in env"),
        ("    type: shell\n    run: [\"x\"]\n    cwd: \"${{ secrets.T }}\"\n", "steps[0].cwd", "only in env, headers and with"),
        ("    type: http\n    url: \"https://x/${{ secrets.T }}\"\n", "steps[0].url", "only in env, headers and with"),
        ("    type: http\n    url: \"https://x/\"\n    method: POST\n    body: \"${{ secrets.T }}\"\n", "steps[0].body", "only in env"),
        ("    type: echo\n    cache: { key: \"k-${{ secrets.T }}\" }\n", "steps[0].cache.key", "only in env"),
    ])
    func aSecretAnywhereElseIsALocatedProblem(body: String, field: String, hint: String) throws {
        let text = "name: w\nsteps:\n  - id: a\n" + body
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first { $0.message.contains("secrets.T") })
        #expect(problem.field == field, "\(problem)")
        #expect(problem.message.contains("is not allowed here"), "\(problem)")
        #expect(problem.hint?.contains(hint) == true, "\(String(describing: problem.hint))")
        #expect(problem.line != nil && problem.column != nil, "\(problem)")
    }

    @Test(arguments: [
        ("defaults:\n  cache: { key: \"k-${{ secrets.T }}\" }\n", "defaults.cache.key"),
        ("defaults:\n  circuitBreaker: { failures: 3, window: 1m, cooldown: 1m, key: \"${{ secrets.T }}\" }\n", "defaults.circuitBreaker.key"),
    ])
    func aSecretInTheDefaultsIsALocatedProblem(defaults: String, field: String) throws {
        let text = "name: w\n" + defaults + "steps:\n  - id: a\n    type: echo\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let problem = try #require(error.problems.first { $0.message.contains("secrets.T") }, "\(error.problems)")
        #expect(problem.field == field && problem.message.contains("is not allowed here"), "\(problem)")
    }

    @Test func aSecretInANameIsALocatedProblem() throws {
        let text = "name: \"deploy ${{ secrets.T }}\"\nsteps:\n  - id: a\n    name: \"step ${{ secrets.U }}\"\n    type: echo\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        let fields = error.problems.filter { $0.message.contains("is not allowed here") }.map { "\($0.field ?? ""):\($0.line ?? 0)" }
        #expect(fields == ["name:1", "steps[0].name:4"], "\(error.problems)")
    }

    @Test func aSecretInAConditionIsRefused() throws {
        let text = "name: w\nsteps:\n  - id: a\n    type: echo\n    if: \"secrets.T == 'x'\"\n"
        let error = try #require(throws: WorkflowValidationError.self) { try WorkflowLoader.load(text: text, fileName: "w.yaml") }
        #expect(error.problems.contains { $0.message.contains("secrets are not available in if: conditions") }, "\(error.problems)")
    }

    @Test(arguments: ["secrets.", "secrets.1ABC", "secrets.A-B", "secrets.A.B", "secrets.a b"])
    func aMalformedSecretNameIsAnUnknownExpression(expression: String) {
        #expect(throws: TemplateError.self) { _ = try Template(parsing: "${{ \(expression) }}") }
    }

    @Test func theWorkerResolvesSecretsOnlyInTheirFieldsAndInOnePass() throws {
        let spec = TaskSpec(
            runID: "r", taskID: "t", stepID: "t", type: "shell", run: ["echo", "${{ steps.a.output }}"],
            env: ["TOKEN": "${{ secrets.TOKEN }}", "FROM": "${{ steps.a.output }}"], outputRefs: ["a": ["a"]])
        #expect(spec.secretNames == ["TOKEN"])
        // Step output text that looks like a secret reference is not read as one.
        let outputs = ["a": "${{ secrets.TOKEN }}"]
        let resolved = try spec.resolvingSecrets(outputs: outputs, secrets: ["TOKEN": "s3cret-value"])
        #expect(resolved.env["TOKEN"] == "s3cret-value")
        #expect(resolved.env["FROM"] == "${{ secrets.TOKEN }}")
        #expect(resolved.run == ["echo", "${{ secrets.TOKEN }}"])
        // The first pass (for the cache) keeps the reference.
        #expect(try spec.rendered(outputs: outputs).env["TOKEN"] == "${{ secrets.TOKEN }}")
    }

    @Test func aFanOutElementCannotBringInASecretReference() throws {
        let spec = TaskSpec(runID: "r", taskID: "t", stepID: "t", type: "http", http: HTTPSpec(
            url: "https://example.com", method: "GET", headers: ["X-Item": "${{ matrix.item }}"], body: nil))
        #expect(throws: TemplateError.secretNotAllowed("PROD", field: "matrix.item")) {
            _ = try spec.expanded(key: "item", value: "${{ secrets.PROD }}", taskID: "t[0]")
        }
        #expect(try spec.expanded(key: "item", value: "plain", taskID: "t[0]").http?.headers["X-Item"] == "plain")
    }

    @Test func aSecretInAFieldItIsNotAllowedInFailsAtTheWorker() {
        let spec = TaskSpec(runID: "r", taskID: "t", stepID: "t", type: "shell", run: ["echo", "${{ secrets.TOKEN }}"])
        #expect(spec.secretNames.isEmpty)
        #expect(throws: TemplateError.secretNotAllowed("TOKEN", field: "run[1]")) {
            _ = try spec.resolvingSecrets(outputs: [:], secrets: ["TOKEN": "value"])
        }
    }
}

/// ``SecretRedactor``: whole values, lines of multi-line values, longest first, cut tails.
struct SecretRedactorTests {
    @Test func wholeValuesAreMasked() {
        let redactor = SecretRedactor(values: ["hunter22", "hunter22-long"])
        #expect(redactor.redact("a hunter22 b hunter22-long c") == "a *** b *** c")
        #expect(redactor.redact("nothing here") == "nothing here")
    }

    @Test func eachLineOfAMultiLineValueIsMaskedOnItsOwn() {
        let pem = "-----BEGIN KEY-----\nAAAABBBBCCCC\nab\n-----END KEY-----"
        let redactor = SecretRedactor(values: [pem])
        #expect(redactor.redact(pem) == "***")
        #expect(redactor.redact("line: AAAABBBBCCCC") == "line: ***")
        #expect(redactor.redact("-----END KEY-----") == "***")
        // Lines shorter than the minimum are not matched alone (they would mask everything).
        #expect(redactor.redact("ab") == "ab")
    }

    @Test func aTruncatedTailThatStartsASecretIsMasked() {
        let redactor = SecretRedactor(values: ["supersecret"])
        #expect(redactor.redact("output: supe", truncated: true) == "output: ***")
        #expect(redactor.redact("output: supe") == "output: supe")
    }

    @Test func aValueCutBetweenPiecesOfALongLineIsMasked() {
        var pieces = SecretRedactor.Pieces(SecretRedactor(values: ["0123456789"]))
        // "aaaa01234" + "56789bbbb" + "cccc" is one line printed in three pieces.
        let first = pieces.redact("aaaa01234", continues: true)
        let second = pieces.redact("56789bbbb", continues: true)
        let last = pieces.redact("cccc", continues: false)
        let delivered = [first, second, last].compactMap { $0 }.joined()
        #expect(delivered == "aaaa***bbbbcccc", "\([first, second, last])")
        #expect(first == nil || !(first!.contains("0123")), "a piece may not carry the start of the value")
        // A piece shorter than what is held back is delivered with the next one.
        var short = SecretRedactor.Pieces(SecretRedactor(values: ["0123456789"]))
        #expect(short.redact("ab", continues: true) == nil)
        #expect(short.redact("cd", continues: false) == "abcd")
        // Multi-byte text is cut at a scalar boundary.
        var wide = SecretRedactor.Pieces(SecretRedactor(values: ["0123456789"]))
        let head = wide.redact("ééééééé", continues: true) ?? ""
        #expect(head + (wide.redact("", continues: false) ?? "") == "ééééééé")
    }

    @Test func shortSecretsAreReported() {
        #expect(SecretRedactor.tooShort(["A": "abc", "B": "abcd", "C": ""]) == ["A", "C"])
        #expect(SecretRedactor(values: ["abc"]).isEmpty)
    }

    @Test func multiByteTextSurvives() {
        let redactor = SecretRedactor(values: ["clé-secrète"])
        #expect(redactor.redact("→ clé-secrète ←") == "→ *** ←")
    }
}
