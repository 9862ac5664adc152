import QrewInspect
import ArgumentParser
import Foundation
import QrewCore

/// `qctl workers`: the workers that sent a heartbeat recently, with what they reported.
struct WorkersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workers",
        _superCommandName: "qctl",
        abstract: "List workers seen in the last two lease periods.")

    @OptionGroup var redis: RedisOptions

    @Flag(help: "Print a JSON array (docs/status-json.md).")
    var json = false

    @Option(help: ArgumentHelp("The workers' lease; workers seen within twice this are listed.", valueName: "duration"))
    var lease = "30s"

    func validate() throws {
        _ = try parsedLease()
    }

    private func parsedLease() throws -> Duration {
        do {
            return try DurationParser.parse(lease)
        } catch {
            throw ValidationError("--lease: '\(lease)' is not a duration; write e.g. 30s")
        }
    }

    func run() async throws {
        let window = try parsedLease() * 2
        try await redis.withQueue { queue in
            let now = try await queue.serverTime()
            let workers = try await queue.workers(seenWithin: window, now: now)
            if json {
                Console.out(String(decoding: try WorkerDocument.json(workers), as: UTF8.self))
                return
            }
            guard !workers.isEmpty else {
                Console.out("no worker seen in the last \(window) in namespace '\(redis.resolvedNamespace)'")
                return
            }
            let rows = workers.map { worker in
                [worker.name, Timestamp.duration(milliseconds: now - worker.lastSeen) + " ago", Self.describe(worker.info)]
            }
            TextTable.render(header: ["worker", "last seen", "info"], rows: rows).forEach { Console.out($0) }
        }
    }

    /// `slots 4, queues default,gpu, running 2, host h, pid 12` from the heartbeat's JSON info;
    /// with `--concurrency auto` also the range, the pressure and the last throttle.
    static func describe(_ info: String) -> String {
        guard var object = (try? FoundationJSON.object(from: Data(info.utf8))) as? [String: Any] else { return info }
        var parts: [String] = []
        if let pressure = object.removeValue(forKey: "pressure") as? [String: Any] {
            let shares = ["cpu", "memory", "memoryStall"].compactMap { key in
                (pressure[key] as? Double).map { "\(key) \(AdaptiveConcurrency.format($0))" }
            }
            object["pressure"] = shares.joined(separator: " ")
        }
        if let last = object.removeValue(forKey: "lastThrottle") as? [String: Any] {
            let at = (last["at"] as? Int).map { " at \(Timestamp.clock(milliseconds: $0))" } ?? ""
            object["lastThrottle"] = "\(last["from"] ?? "?") -> \(last["to"] ?? "?")\(at) (\(last["reason"] ?? ""))"
        }
        for key in ["slots", "concurrency", "queues", "running", "host", "pid"] {
            guard let value = object[key] else { continue }
            let text = switch value {
            case let list as [Any]: list.map { "\($0)" }.joined(separator: ",")
            default: "\(value)"
            }
            parts.append("\(key) \(text)")
        }
        for key in object.keys.sorted() where !["slots", "concurrency", "queues", "running", "host", "pid"].contains(key) {
            parts.append("\(key) \(object[key].map { "\($0)" } ?? "")")
        }
        return parts.joined(separator: ", ")
    }
}
