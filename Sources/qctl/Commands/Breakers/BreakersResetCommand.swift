import ArgumentParser
import QrewQueue

/// `qctl breakers reset KEY`: closes a breaker at once and queues the tasks waiting for it.
struct BreakersResetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reset",
        abstract: "Close a circuit breaker now (forget its failures) and queue the tasks waiting for it.")

    @Argument(help: "The breaker's key, as `qctl breakers` lists it.")
    var key: String

    @OptionGroup var redis: RedisOptions

    func run() async throws {
        try await redis.withQueue { queue in
            guard try await queue.resetBreaker(key) else {
                throw CommandFailure("no circuit breaker '\(key)' in namespace '\(redis.resolvedNamespace)'; `qctl breakers` lists them")
            }
            Console.out("closed circuit breaker '\(key)'; its waiting tasks are queued again")
        }
    }
}
