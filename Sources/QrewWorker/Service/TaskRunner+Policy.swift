import Foundation
import QrewCore
import Synchronization

extension TaskRunner {
    /// Why the worker's policy refuses the prepared attempt (its environment size, or the
    /// executable of a shell task), or nil. The type was checked before rendering.
    func policyRefusal(_ execution: TaskExecution) -> String? {
        let policy = configuration.policy
        guard case .shell(let argv, let useShell, let env, let cwd) = execution.kind else { return nil }
        if let refusal = policy.environmentRefusal(env) { return refusal }
        guard policy.allowedCommands != nil, let first = argv.first else { return nil }
        // With `shell: true` the process started is /bin/sh, whatever the script runs.
        let executable = useShell ? "/bin/sh" : first
        let workerPath = executors.shell.baseEnvironment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        let searchPath = env["PATH"] ?? workerPath
        do {
            let resolved = try ChildProcess.resolveExecutable(executable, searchPath: searchPath, cwd: cwd)
            return policy.commandRefusal(executable, resolvedPath: resolved, workerPath: workerPath)
        } catch {
            // Refused rather than left to the executor: nothing unchecked may start, even if
            // the file appears in between.
            return "refused by worker policy --allow-commands: \(error.description)"
        }
    }

    /// Why `--http-deny-private` refuses the prepared http attempt, or nil: checked here as
    /// well as in the executor (which pins the connection to the address it checks) so that a
    /// refusal is final rather than a failure the step's retries would repeat.
    func addressRefusal(_ execution: TaskExecution) async -> String? {
        guard execution.denyPrivateAddresses, case .http(_, let text, _, _) = execution.kind, let url = URL(string: text),
              url.host != nil else { return nil }
        if case .failure(let refusal) = await PublicTarget.check(url) { return refusal.description }
        return nil
    }

    /// `sinks` (the live and the final one) with every line's text redacted (pieces of an
    /// over-long line together, per stream, across both); the sinks themselves when there is
    /// nothing to redact. The sinks are called serially.
    func redacting(_ sinks: (live: OutputSink, final: OutputSink), _ redactor: SecretRedactor) -> (live: OutputSink, final: OutputSink) {
        guard !redactor.isEmpty else { return sinks }
        let pieces = RedactedPieces(redactor)
        return (redacting(sinks.live, pieces), redacting(sinks.final, pieces))
    }

    private func redacting(_ sink: @escaping OutputSink, _ pieces: RedactedPieces) -> OutputSink {
        { lines in
            let redacted = pieces.state.withLock { state in
                lines.compactMap { line -> OutputLine? in
                    state[line.stream]!.redact(line.text, continues: line.continues).map { OutputLine(line.stream, $0, continues: line.continues) }
                }
            }
            if !redacted.isEmpty { await sink(redacted) }
        }
    }

    /// `sink` with every progress message redacted; `sink` itself when there is nothing to redact.
    func redacting(_ sink: @escaping ProgressSink, _ redactor: SecretRedactor) -> ProgressSink {
        guard !redactor.isEmpty else { return sink }
        return { updates in
            await sink(updates.map { update in
                var copy = update
                copy.message = update.message.map { redactor.redact($0) }
                return copy
            })
        }
    }
}

/// Each stream's ``SecretRedactor/Pieces`` for one attempt's output sink.
final class RedactedPieces: Sendable {
    let state: Mutex<[OutputLine.Stream: SecretRedactor.Pieces]>

    init(_ redactor: SecretRedactor) {
        state = Mutex([.stdout: SecretRedactor.Pieces(redactor), .stderr: SecretRedactor.Pieces(redactor)])
    }
}
