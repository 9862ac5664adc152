import QrewInspect
import ArgumentParser
import Foundation
import QrewQueue

/// `qctl breakers list`: every breaker that is open, half-open, or closed with failures in its window.
struct BreakersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the circuit breakers that are open, half-open, or have failures in their window.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array (docs/status-json.md).")
    var json = false

    func run() async throws {
        try await redis.withQueue { queue in
            let now = try await queue.serverTime()
            let breakers = try await queue.breakers()
            if json {
                let array: [[String: Any]] = breakers.map { breaker in
                    [
                        "key": breaker.key, "state": breaker.state, "failuresInWindow": breaker.failuresInWindow,
                        "parked": breaker.parked,
                        "openUntil": breaker.openUntil.map { Timestamp.rfc3339(milliseconds: $0) } ?? NSNull(),
                        "openedAt": breaker.openedAt.map { Timestamp.rfc3339(milliseconds: $0) } ?? NSNull(),
                        "probe": breaker.probe ?? NSNull(),
                    ]
                }
                let data = try JSONSerialization.data(withJSONObject: array, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
                Console.out(String(decoding: data, as: UTF8.self))
                return
            }
            guard !breakers.isEmpty else {
                Console.out("no circuit breaker has failures in namespace '\(redis.resolvedNamespace)'")
                return
            }
            let rows = breakers.map { breaker in
                [
                    breaker.key, breaker.state, String(breaker.failuresInWindow),
                    breaker.openUntil.map { $0 > now ? "in " + Timestamp.duration(milliseconds: $0 - now) : "now (probe due)" } ?? "-",
                    breaker.probe ?? "-", String(breaker.parked),
                ]
            }
            TextTable.render(header: ["key", "state", "failures", "opens again", "probe", "waiting"], rows: rows)
                .forEach { Console.out($0) }
        }
    }
}
