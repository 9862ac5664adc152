import QrewCore

/// Signing and checking the tasks of a 10,000-task run, as the coordinator's intake and the
/// workers do with `--signing-key-file` (issue 14: signing must not cost the hot path much).
enum SigningBenchmark {
    /// A signer with a fixed key, for namespace `bench`.
    static func signer() throws -> TaskSigner {
        TaskSigner(keyring: try SigningKeyring(current: SigningKey(id: "bench", bytes: (0..<32).map { UInt8($0 * 7 + 1) })), namespace: "bench")
    }

    static func run(count: Int) throws -> [BenchmarkFigure] {
        let signer = try signer()
        let tasks = CoreBenchmark.specs(count: count).map { (id: $0.taskID, spec: $0.jsonText) }
        let clock = ContinuousClock()
        var signBest = Duration.seconds(1_000)
        var verifyBest = Duration.seconds(1_000)
        var signatures: [String] = []
        var refused = 0
        // Best of three, so a scheduler hiccup on a shared machine does not count.
        for _ in 0..<3 {
            var start = clock.now
            signatures = tasks.map { signer.signature(.task, runID: "bench", taskID: $0.id, spec: $0.spec) }
            signBest = min(signBest, clock.now - start)
            start = clock.now
            refused = 0
            for (task, signature) in zip(tasks, signatures) {
                do { try signer.verify(signature, .task, runID: "bench", taskID: task.id, spec: task.spec) } catch { refused += 1 }
            }
            verifyBest = min(verifyBest, clock.now - start)
        }
        let bytes = tasks.reduce(0) { $0 + $1.spec.utf8.count } / count
        return [
            BenchmarkFigure(name: "task signing (HMAC-SHA256), \(count) tasks", value: signBest.seconds * 1e6 / Double(count),
                            unit: "µs/task", note: "coordinator intake, one core; specs of \(bytes) bytes"),
            BenchmarkFigure(name: "task signature check, \(count) tasks", value: verifyBest.seconds * 1e6 / Double(count),
                            unit: "µs/task", note: refused == 0 ? "workers, per claimed task" : "REFUSED \(refused)"),
        ]
    }
}
