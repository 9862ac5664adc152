import QrewCore
import QrewQueue

extension TaskRunner {
    /// Evaluates the `if:` of a claimed task once its dependencies have finished (lib/finish
    /// queued it when the last one did): one call reads their states and outputs; a false
    /// condition ends the task `skipped` through `skip_task`. Returns nil when the task is to
    /// run, or the attempt that ends it here.
    func settledByCondition(_ claimed: ClaimedTask, _ condition: TaskCondition) async -> Attempt? {
        let expression: ConditionExpression
        do {
            expression = try ConditionParser.parseStored(condition.expression)
        } catch {
            return .invalid("cannot parse the step's condition: \(error)")
        }
        let settled = Attempt(outcome: .succeeded, exitCode: nil, output: "", error: nil, settledBeforeRunning: true)
        do {
            let results = try await queue.dependencyResults(
                runID: claimed.ref.runID, taskIDs: condition.dependencies.values.flatMap { $0 })
            outage.succeeded()
            let context = condition.context(states: results.states, outputs: results.outputs)
            if ConditionEvaluator.shouldRun(expression, in: context) { return nil }
            let reason = "condition false: \(condition.text)"
            if try await queue.skipTask(claimed, reason: reason) {
                logger.info("\(claimed.ref) skipped: \(reason)")
            } else {
                logger.warning("\(claimed.ref) not run: its lease is no longer held")
            }
            outage.succeeded()
            return settled
        } catch {
            outage.failed(error, during: "evaluating the condition of \(claimed.ref)", running: tasks.count)
            logger.warning("\(claimed.ref) not run: its condition could not be evaluated; it is claimed again once its lease expires")
            return settled
        }
    }
}
