import ArgumentParser
import Foundation
import Logging
import QrewQueue
import QrewRedis
import QrewWeb
import ServiceLifecycle

/// `qrew-web`: the HTTP API and dashboard of a Qrew cluster (docs/http-api.md).
@main
struct QrewWebCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qrew-web",
        abstract: "Serve the Qrew HTTP API and web dashboard.",
        discussion: """
            Reads come from Redis ($QREW_REDIS_URL, $QREW_NAMESPACE) as qctl reads them. Writes (submit, \
            cancel, retry, dead-letter requeue) need Authorization: Bearer $QREW_WEB_TOKEN (or the contents of \
            $QREW_WEB_TOKEN_FILE) when it is set, and are refused (403) when it is not, unless \
            --allow-anonymous-writes. Stateless: run as many as you like.
            """)

    @Option(help: ArgumentHelp("Redis URL (default: $QREW_REDIS_URL or redis://127.0.0.1:6379/0).", valueName: "url"))
    var redis: String?

    @Option(help: ArgumentHelp("Key namespace (default: $QREW_NAMESPACE or qrew).", valueName: "ns"))
    var namespace: String?

    @Option(help: "TCP port to listen on (0: any free port, printed once listening).")
    var port = 8080

    @Option(help: ArgumentHelp("Address to listen on; 0.0.0.0 serves other machines (set QREW_WEB_TOKEN or QREW_WEB_TOKEN_FILE then).", valueName: "address"))
    var bind = "127.0.0.1"

    @Flag(help: "Accept writes without a token when QREW_WEB_TOKEN is not set (only on a trusted machine).")
    var allowAnonymousWrites = false

    @Option(help: "Most event streams (/api/runs/{id}/events) open at once, each holding a Redis connection; more get 503.")
    var maxEventStreams = 64

    @Option(help: "Largest request body in bytes (a submitted workflow); larger ones get 413.")
    var maxBodyBytes = 4 << 20

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard (1...10_000).contains(maxEventStreams) else { throw ValidationError("--max-event-streams must be from 1 to 10000") }
        guard (1024...(64 << 20)).contains(maxBodyBytes) else { throw ValidationError("--max-body-bytes must be from 1024 to 67108864") }
        _ = try Self.writeToken(ProcessInfo.processInfo.environment)
    }

    /// The token writes must carry: `QREW_WEB_TOKEN`, else the contents of the file
    /// `QREW_WEB_TOKEN_FILE` names (one trailing newline dropped; how compose passes a secret);
    /// nil for neither. A token shorter than 16 characters, or a file that cannot be read, is refused.
    static func writeToken(_ environment: [String: String]) throws -> String? {
        var token = environment["QREW_WEB_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        var source = "QREW_WEB_TOKEN"
        if token == nil, let path = environment["QREW_WEB_TOKEN_FILE"], !path.isEmpty {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("QREW_WEB_TOKEN_FILE: cannot read \(path)")
            }
            token = text.hasSuffix("\n") ? String(text.dropLast()) : text
            source = "the token in QREW_WEB_TOKEN_FILE (\(path))"
        }
        if let token, token.utf8.count < 16 {
            throw ValidationError("\(source) must be at least 16 characters (e.g. `openssl rand -hex 16`)")
        }
        return token
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let url = redis ?? environment["QREW_REDIS_URL"] ?? "redis://127.0.0.1:6379/0"
        let prefix = namespace ?? environment["QREW_NAMESPACE"] ?? "qrew"
        guard !prefix.isEmpty, !prefix.contains(where: \.isWhitespace) else {
            throw ValidationError("the namespace must be non-empty and without spaces, got '\(prefix)'")
        }
        var redisConfiguration: RedisConfiguration
        do {
            redisConfiguration = try RedisConfiguration(url: url, environment: environment)
        } catch {
            throw ValidationError("\(redis == nil ? "QREW_REDIS_URL" : "--redis"): \(error)")
        }
        redisConfiguration.commandTimeout = .seconds(10)
        let client = RedisClient(configuration: redisConfiguration, poolSize: 4)
        defer { client.close() }
        let queue = QueueClient(redis: client, keys: Keys(prefix: prefix), scripts: try ScriptLibrary.bundled.get())

        var configuration = WebConfiguration()
        configuration.host = bind
        configuration.port = port
        configuration.writeToken = try Self.writeToken(environment)
        configuration.allowAnonymousWrites = allowAnonymousWrites
        configuration.maxEventStreams = maxEventStreams
        configuration.maxBodyBytes = maxBodyBytes

        var logger = Logger(label: "qrew-web")
        logger.logLevel = .warning
        let host = bind
        let writes = configuration.writes
        let app = try WebServer.application(queue: queue, configuration: configuration, logger: logger) { bound in
            let shown = host.contains(":") ? "[\(host)]" : host
            FileHandle.standardOutput.write(Data("qrew-web listening on http://\(shown):\(bound) (namespace \(prefix), writes: \(writes.rawValue))\n".utf8))
        }
        var groupConfiguration = ServiceGroupConfiguration(services: [app], logger: logger)
        groupConfiguration.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(2)
        try await ServiceGroup(configuration: groupConfiguration).run()
    }
}
