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
        var pid: pid_t?
        var port: Int?
    }

    /// Finds `redis-server` on PATH and creates a temporary directory; call `start()` to run it.
    public init(options: RedisServerOptions = RedisServerOptions()) throws(RedisError) {
        self.options = options
        self.executable = try Self.findExecutable("redis-server")
        var template = Array((NSTemporaryDirectory() + "/qrew-redis-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw RedisError(.serverProcess, "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        self.directory = String(cString: made)
        self.state = Mutex(State(pid: nil, port: options.port))
    }

    /// Creates and starts a server in one step.
    public static func start(options: RedisServerOptions = RedisServerOptions()) async throws(RedisError) -> RedisServerProcess {
        let server = try RedisServerProcess(options: options)
        try await server.start()
        return server
    }

    deinit {
        if let pid = state.withLock({ $0.pid }) {
            Glibc.kill(pid, SIGKILL)
            Self.reap(pid)
        }
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
    public var isRunning: Bool { state.withLock { $0.pid != nil } }

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
        guard let pid = state.withLock({ $0.pid }) else { return }
        await DetachedThread.run(name: "qrew-redis-server-stop") {
            Glibc.kill(pid, signal)
            let deadline = ContinuousClock.now + grace
            while ContinuousClock.now < deadline {
                var status: Int32 = 0
                if waitpid(pid, &status, WNOHANG) == pid { return }
                usleep(2_000)
            }
            Glibc.kill(pid, SIGKILL)
            Self.reap(pid)
        }
        state.withLock { $0.pid = nil }
    }

    private func launchAndWait() throws(RedisError) {
        if state.withLock({ $0.pid }) != nil { return }
        let fixedPort = state.withLock { $0.port } != nil
        var attempt = 0
        while true {
            attempt += 1
            let port: Int
            if let known = state.withLock({ $0.port }) { port = known } else { port = try Self.freeLoopbackPort() }
            let pid = try spawn(port: port)
            state.withLock { $0 = State(pid: pid, port: port) }
            do throws(RedisError) {
                try waitUntilReady(pid: pid, port: port)
                return
            } catch {
                state.withLock { $0.pid = nil }
                Glibc.kill(pid, SIGKILL)
                Self.reap(pid)
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
            executable, "--port", String(port), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", options.appendOnly ? "yes" : "no", "--dir", directory,
            "--daemonize", "no", "--logfile", "",
        ]
        if options.appendOnly { arguments += ["--appendfsync", "everysec"] }
        if let password = options.requirePassword { arguments += ["--requirepass", password] }
        return arguments + options.extraArguments
    }

    private func spawn(port: Int) throws(RedisError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A process group of its own: a terminal's Ctrl-C reaches the owner (`qctl dev`), which
        // stops the server last, after the processes that still need it.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var argv = arguments(port: port).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard status == 0 else {
            throw RedisError(.serverProcess, "cannot launch \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }

    private func waitUntilReady(pid: pid_t, port: Int) throws(RedisError) {
        let probe = RedisConfiguration(
            endpoint: .tcp(host: "127.0.0.1", port: port), password: options.requirePassword,
            connectTimeout: .milliseconds(200), commandTimeout: .seconds(1), keepAlive: false)
        let connection = RedisConnection(configuration: probe)
        let deadline = ContinuousClock.now + options.startTimeout
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw RedisError(.serverProcess, "redis-server exited during startup on port \(port); log:\n\(logTail())")
            }
            if (try? connection.send(["PING"])) != nil { return }
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

    private static func reap(_ pid: pid_t) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
    }

    private static func findExecutable(_ name: String) throws(RedisError) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw RedisError(.serverProcess, "\(name) not found on PATH; install it with: apt-get install redis-server")
    }

    /// Binds 127.0.0.1:0, reads the port the kernel chose, and closes the socket.
    static func freeLoopbackPort() throws(RedisError) -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw RedisError(.serverProcess, "socket(): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(fd, raw, length) == 0 && getsockname(fd, raw, &length) == 0
            }
        }
        guard bound else { throw RedisError(.serverProcess, "cannot bind 127.0.0.1:0: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
