import Foundation
import Synchronization

/// A local `redis-server` child process on 127.0.0.1, for tests, benchmarks and `qctl dev`.
///
/// The child is spawned with an empty signal mask and default signal handlers: a child started
/// from a non-main thread would otherwise inherit blocked signals and ignore SIGTERM forever.
/// The server is killed on deinit, so none outlives its owner.
public final class RedisServerProcess: Sendable {
    /// The options the server was created with.
    public let options: RedisServerOptions
    /// The server's working directory (AOF files live here); removed on deinit.
    public let directory: String
    private let executable: String
    private let state: Mutex<State>

    private struct State {
        var process: SpawnedProcess?
        var port: Int?
    }

    /// Finds `redis-server` on PATH and creates a temporary directory; call `start()` to run it.
    public init(options: RedisServerOptions = RedisServerOptions()) throws(RedisError) {
        self.options = options
        guard let executable = SpawnedProcess.findExecutable("redis-server") else {
            throw RedisError(.serverProcess, "redis-server not found on PATH; install it with: apt-get install redis-server")
        }
        self.executable = executable
        var template = Array(((NSTemporaryDirectory() as NSString).appendingPathComponent("qrew-redis-XXXXXX")).utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RedisError(.serverProcess, "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        self.directory = String(cString: made)
        self.state = Mutex(State(process: nil, port: options.port))
    }

    /// Creates and starts a server in one step.
    public static func start(options: RedisServerOptions = RedisServerOptions()) async throws(RedisError) -> RedisServerProcess {
        let server = try RedisServerProcess(options: options)
        try await server.start()
        return server
    }

    deinit {
        // Dropping the process kills it if it still runs (SpawnedProcess.deinit).
        state.withLock { $0.process = nil }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The loopback port, fixed after the first start so restarts keep it; 0 before.
    public var port: Int { state.withLock { $0.port ?? 0 } }

    /// `redis://[:password@]127.0.0.1:port`, for `RedisConfiguration(url:)`.
    public var url: String {
        let credentials = options.requirePassword.map { password in
            ":" + (password.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? password) + "@"
        }
        return "redis://\(credentials ?? "")127.0.0.1:\(port)"
    }

    /// Whether the child is running (as far as this object knows).
    public var isRunning: Bool { state.withLock { $0.process != nil } }

    /// Launches the server (again, on the same port and directory, after `stop()`/`kill()`) and
    /// waits until it answers PING; on failure the error carries the server's log tail.
    public func start() async throws(RedisError) {
        let result: Result<Void, RedisError> = await DetachedThread.run(name: "qrew-redis-server-start") {
            Result { () throws(RedisError) in try self.launchAndWait() }
        }
        try result.get()
    }

    /// Stops gracefully: SIGTERM, up to 5 s to exit, then SIGKILL.
    public func stop() async {
        await terminate(signal: SIGTERM, grace: .seconds(5))
    }

    /// Kills with SIGKILL at once, as a crash would.
    public func kill() async {
        await terminate(signal: SIGKILL, grace: .zero)
    }

    private func terminate(signal: Int32, grace: Duration) async {
        guard let process = state.withLock({ $0.process }) else { return }
        await process.terminate(signal: signal, grace: grace)
        state.withLock { $0.process = nil }
    }

    private func launchAndWait() throws(RedisError) {
        if state.withLock({ $0.process }) != nil { return }
        let fixedPort = state.withLock { $0.port } != nil
        var attempt = 0
        while true {
            attempt += 1
            let port: Int
            if let known = state.withLock({ $0.port }) { port = known } else { port = try Self.freeLoopbackPort() }
            let process: SpawnedProcess
            do {
                process = try SpawnedProcess(
                    executable: executable, arguments: arguments(port: port), logPath: logPath, supervisor: options.supervisor)
            } catch {
                throw RedisError(.serverProcess, error.description)
            }
            state.withLock { $0 = State(process: process, port: port) }
            do throws(RedisError) {
                try waitUntilReady(process, port: port)
                return
            } catch {
                // Dropping the process kills it.
                state.withLock { $0.process = nil }
                // Another process may have taken a just-freed port: pick a new one and retry.
                let portTaken = error.message.contains("Address already in use")
                if fixedPort || !portTaken || attempt >= 3 { throw error }
                state.withLock { $0.port = nil }
            }
        }
    }

    private var logPath: String { directory + "/redis.log" }

    private func arguments(port: Int) -> [String] {
        var arguments = [
            "--port", String(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", options.appendOnly ? "yes" : "no", "--dir", directory,
            "--daemonize", "no", "--logfile", "",
        ]
        if options.appendOnly { arguments += ["--appendfsync", "everysec"] }
        if let password = options.requirePassword { arguments += ["--requirepass", password] }
        return arguments + options.extraArguments
    }

    private func waitUntilReady(_ process: SpawnedProcess, port: Int) throws(RedisError) {
        let probe = RedisConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: port), password: options.requirePassword,
            connectTimeout: .milliseconds(200), commandTimeout: .seconds(1), keepAlive: false)
        let connection = RedisConnection(configuration: probe)
        let deadline = ContinuousClock.now + options.startTimeout
        while ContinuousClock.now < deadline {
            if process.exited != nil {
                throw RedisError(.serverProcess, "redis-server exited during startup on port \(port); log:\n\(logTail())")
            }
            // Only our own child counts: when two servers race for one port, the loser's probe
            // would otherwise get PONG from the winner and two owners would share one server.
            // INFO answers while an AOF or RDB is still loading; PING answers PONG only after, so a
            // caller never meets LOADING on its first command.
            if let info = (try? connection.send(["INFO", "server"]))?.string,
               info.contains("process_id:\(process.pid)\r\n"),
               (try? connection.send(["PING"])) != nil {
                return
            }
            usleep(3_000)
        }
        throw RedisError(
            .serverProcess,
            "redis-server did not answer PING on 127.0.0.1:\(port) within \(options.startTimeout); log:\n\(logTail())")
    }

    /// The last lines of the server log, for startup errors.
    public func logTail(lines: Int = 15) -> String {
        guard let text = try? String(contentsOfFile: logPath, encoding: .utf8) else { return "(no log)" }
        return text.split(separator: "\n").suffix(lines).joined(separator: "\n")
    }

    /// Ports are drawn from below the kernel's ephemeral range (32768+ on Linux): a port the
    /// kernel hands out for `bind(:0)` or an outgoing connection could otherwise be taken by
    /// another server while a killed one waits to restart on it, and clients would silently
    /// reach the wrong server.
    static let portRange = 20_000..<32_000

    /// A random port in `portRange` that 127.0.0.1 can bind right now.
    public static func freeLoopbackPort() throws(RedisError) -> Int {
        for _ in 0..<50 {
            let port = Int.random(in: portRange)
            if canBind(port: port) { return port }
        }
        throw RedisError(.serverProcess, "no free loopback port in \(portRange.lowerBound)-\(portRange.upperBound - 1)")
    }

    private static func canBind(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var reuse: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }
}
