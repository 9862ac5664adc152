import Foundation
import QrewCore
import QrewQueue
import Testing

/// `examples/workers/worker.py` implements from docs/protocol.md what the Swift side does in
/// code: the script preprocessor, template rendering, retry delays and progress lines. Each is
/// checked here against the Swift implementation on the same inputs, so the doc and both
/// implementations stay the same contract (light: one python3 call, no Redis).
@Suite("Python worker against the Swift implementation", .enabled(if: PythonWorker.available, PythonWorker.missing))
struct PythonWorkerProtocolTests {
    private static let retryPolicies: [RetryPolicy] = [
        RetryPolicy(maxRetries: 3, backoff: .exponential, initial: .milliseconds(250), cap: .seconds(1), jitter: false),
        RetryPolicy(maxRetries: 5, backoff: .exponential, initial: .seconds(2), cap: .seconds(60), jitter: false, retryOn: [.timeout]),
        RetryPolicy(maxRetries: 2, backoff: .fixed, initial: .seconds(90), cap: .seconds(60), jitter: false, retryOn: [.failure, .lost]),
        RetryPolicy(maxRetries: 0, jitter: false),
        RetryPolicy(maxRetries: 100, backoff: .exponential, initial: .milliseconds(1), cap: .seconds(365 * 86_400), jitter: false),
    ]
    private static let outcomes: [(TaskOutcome, String)] = [(.succeeded, "succeeded"), (.failed, "failed"), (.timedOut, "timed_out"), (.lost, "lost")]
    private static let attempts = [1, 2, 3, 5, 40, 101]

    private static let progressLines = [
        "42%", "42% copying files", "copying files", "  7.9%  tabs\tand spaces  ", "150%", "-3% below", "%", "50 %",
        "", "   ", "bell\u{07}", "12%\r", "inf%", "1e2% sci", String(repeating: "é", count: 400),
    ]

    @Test func thePythonWorkerMatchesTheSwiftImplementation() async throws {
        let spec = TaskSpec(
            runID: "r-1", taskID: "t", stepID: "t", type: "shell",
            run: ["echo ${{ steps.a.output }}", "${{run.id}}/${{ steps.m.outputs }}", "plain"],
            env: ["X": "<${{ steps.missing.output }}>"], with: ["message": "${{ steps.a.output }}!"],
            outputRefs: ["a": ["a"], "m": ["m[x=1]", "m[x=2]"], "missing": ["gone"]])
        let outputs = ["a": "A", "m[x=1]": "one"]
        var delayCases: [[String: Any]] = []
        var expectedDelays: [Int?] = []
        for policy in Self.retryPolicies {
            var withPolicy = spec
            withPolicy.retry = policy
            let retry = try #require(try JSONSerialization.jsonObject(with: Data(withPolicy.jsonText.utf8)) as? [String: Any])["retry"]
            for (outcome, name) in Self.outcomes {
                for attempt in Self.attempts {
                    delayCases.append(["retry": retry as Any, "outcome": name, "attempt": attempt])
                    expectedDelays.append(
                        policy.shouldRetry(outcome: outcome, attempt: attempt)
                            ? Self.milliseconds(policy.delay(afterAttempt: attempt, jitterSample: 0)) : nil)
                }
            }
        }
        let request: [String: Any] = [
            "scripts": ScriptLibrary.Operation.allCases.map(\.rawValue),
            "spec": spec.jsonText, "outputs": outputs,
            "delays": delayCases, "progress": Self.progressLines,
        ]
        let reply = try await Self.askPython(request)

        let library = try ScriptLibrary.bundled.get()
        let scripts = try #require(reply["scripts"] as? [String: String])
        for operation in ScriptLibrary.Operation.allCases {
            #expect(scripts[operation.rawValue] == library[operation].source, "preprocessed \(operation.rawValue).lua differs")
        }

        let rendered = try spec.rendered(outputs: outputs)
        let pythonRendered = try #require(reply["rendered"] as? [String: Any])
        #expect(pythonRendered["run"] as? [String] == rendered.run)
        #expect(pythonRendered["env"] as? [String: String] == rendered.env)
        #expect(pythonRendered["with"] as? [String: String] == rendered.with)

        let delays = try #require(reply["delays"] as? [Any])
        #expect(delays.count == expectedDelays.count)
        for (index, (python, swift)) in zip(delays, expectedDelays).enumerated() {
            #expect((python as? Int) == swift, "delay case \(delayCases[index]): python \(python), swift \(String(describing: swift))")
        }

        let progress = try #require(reply["progress"] as? [Any])
        for (line, python) in zip(Self.progressLines, progress) {
            let swift = ProgressUpdate(line: Substring(line))
            let pair = python as? [Any]
            #expect((pair == nil) == (swift == nil), "progress line \(line.debugDescription)")
            if let pair, let swift {
                #expect(pair.first as? Int == swift.percent, "percent of \(line.debugDescription)")
                #expect(pair.last as? String == swift.message, "message of \(line.debugDescription)")
            }
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Runs the worker's functions in python3 on `request` and returns what they computed.
    private static func askPython(_ request: [String: Any]) async throws -> [String: Any] {
        let directory = try temporaryDirectory()
        let requestPath = directory + "/request.json"
        try JSONSerialization.data(withJSONObject: request).write(to: URL(fileURLWithPath: requestPath))
        let program = """
            import json, os, sys
            sys.path.insert(0, os.path.dirname(sys.argv[1]))
            import worker
            request = json.load(open(sys.argv[2]))
            scripts = sys.argv[3]
            print(json.dumps({
                "scripts": {name: worker.expand_includes(os.path.join(scripts, name + ".lua"), os.path.join(scripts, "lib"))
                            for name in request["scripts"]},
                "rendered": worker.rendered_spec(json.loads(request["spec"]), request["outputs"]),
                "delays": [worker.retry_delay_ms(c["retry"], c["outcome"], c["attempt"]) for c in request["delays"]],
                "progress": [worker.parse_progress(line) for line in request["progress"]],
            }))
            """
        let scripts = URL(fileURLWithPath: PythonWorker.script).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Sources/QrewQueue/Scripts").path
        let python = try #require(PythonWorker.python)
        // No __pycache__ beside the example.
        let result = try await QctlProcess(
            ["-c", program, PythonWorker.script, requestPath, scripts], environment: ["PYTHONDONTWRITEBYTECODE": "1"],
            executable: python
        ).wait()
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
    }
}
