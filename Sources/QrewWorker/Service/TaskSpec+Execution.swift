import QrewCore

extension TaskSpec {
    /// Why a (rendered) spec cannot be turned into an execution.
    struct ExecutionError: Error, CustomStringConvertible {
        let description: String
    }

    /// The executor input for this rendered spec: `type` picks the kind, `with` carries the
    /// built-ins' arguments (`message`, `duration`) and a custom handler's parameters.
    func execution(
        attempt: Int, killGrace: Duration, cancelGrace: Duration, outputCap: Int
    ) throws(ExecutionError) -> TaskExecution {
        let kind: TaskExecution.Kind
        switch type {
        case "shell":
            kind = .shell(argv: run, useShell: shell, env: env, cwd: cwd)
        case "http":
            guard let http else { throw ExecutionError(description: "http task '\(taskID)' has no request") }
            kind = .http(method: http.method, url: http.url, headers: http.headers, body: http.body)
        case "echo":
            kind = .echo(message: with["message"] ?? "")
        case "sleep":
            guard let text = with["duration"] else {
                throw ExecutionError(description: "sleep task '\(taskID)' has no with.duration")
            }
            do {
                kind = .sleep(NumericBounds.clamp(try DurationParser.parse(text)))
            } catch {
                throw ExecutionError(description: "sleep task '\(taskID)': \(error)")
            }
        case "fail":
            kind = .fail(message: with["message"] ?? "failed on purpose")
        default:
            kind = .custom(type: type, parameters: with)
        }
        // Room for TRACEPARENT too (TaskRunner adds it): growing the table cost ~1% of a worker's
        // instructions per no-op task.
        var environment = [String: String](minimumCapacity: 4)
        environment["QREW_RUN_ID"] = runID
        environment["QREW_TASK_ID"] = taskID
        environment["QREW_ATTEMPT"] = String(attempt)
        var execution = TaskExecution(
            kind,
            // Clamped: a spec read from Redis did not necessarily come through validation.
            timeout: timeoutMilliseconds.map { NumericBounds.clamp(.milliseconds($0)) },
            killGrace: killGrace,
            cancelGrace: cancelGrace,
            outputCap: outputCap,
            extraEnvironment: environment)
        execution.heartbeatTimeout = heartbeatTimeoutMilliseconds.map { NumericBounds.clamp(.milliseconds($0)) }
        return execution
    }
}

extension TaskExecutionResult.Outcome {
    /// The core's outcome, which the retry policy and the protocol speak.
    var taskOutcome: TaskOutcome {
        switch self {
        case .succeeded: .succeeded
        case .failed: .failed
        case .timedOut: .timedOut
        case .canceled: .cancelled
        }
    }
}
