/// What a worker agrees to run (`qrew-worker --allow-types`, `--allow-commands`,
/// `--http-deny-private`, `--max-task-env`; docs/security.md "Worker policies").
///
/// A task the policy refuses fails at once with the reason, naming the flag, and nothing of it
/// runs. The refusal is not retried: the task is not handed to another worker, so workers with
/// different policies belong on different queues.
public struct WorkerPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Step types this worker runs (`--allow-types shell,http,echo`); nil allows every type,
    /// including handlers registered by name.
    public var allowedTypes: Set<String>?
    /// Executables `shell` tasks may start (`--allow-commands`, repeatable); nil allows any.
    public var allowedCommands: [CommandPattern]?
    /// Refuse `http` tasks whose host resolves to a private, loopback, link-local,
    /// unique-local, multicast or otherwise non-public address (`--http-deny-private`).
    public var denyPrivateHTTP: Bool
    /// Most bytes of a task's own environment (`env` after rendering, `NAME=value` each);
    /// a larger one is refused before anything starts (`--max-task-env`).
    public var maxTaskEnvironmentBytes: Int

    /// `maxTaskEnvironmentBytes` unless configured: 128 KiB, the kernel's limit on one
    /// environment string, far above what environments hold.
    public static let defaultMaxTaskEnvironmentBytes = 128 << 10
    /// What `--max-task-env` accepts.
    public static let maxTaskEnvironmentRange = 1024...(2 << 20)

    /// A policy; the defaults allow everything but an environment above 128 KiB.
    public init(
        allowedTypes: Set<String>? = nil, allowedCommands: [CommandPattern]? = nil, denyPrivateHTTP: Bool = false,
        maxTaskEnvironmentBytes: Int = WorkerPolicy.defaultMaxTaskEnvironmentBytes
    ) {
        self.allowedTypes = allowedTypes
        self.allowedCommands = allowedCommands
        self.denyPrivateHTTP = denyPrivateHTTP
        self.maxTaskEnvironmentBytes = maxTaskEnvironmentBytes
    }

    /// Why this worker will not run a task of `type`, or nil.
    public func typeRefusal(_ type: String) -> String? {
        guard let allowedTypes, !allowedTypes.contains(type) else { return nil }
        return "refused by worker policy --allow-types (\(allowedTypes.sorted().joined(separator: ","))): "
            + "this worker does not run '\(type)' tasks; route them to a queue whose workers allow them"
    }

    /// Why this worker will not pass `environment` (a task's own variables) to a task, or nil.
    public func environmentRefusal(_ environment: [String: String]) -> String? {
        let bytes = environment.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count + 2 }
        guard bytes > maxTaskEnvironmentBytes else { return nil }
        return "refused by worker policy --max-task-env: the task's env holds \(bytes) bytes, more than \(maxTaskEnvironmentBytes)"
    }

    /// Why this worker will not start `executable` (a shell task's argv[0] as written, or
    /// `/bin/sh` for `shell: true`), resolved to `resolvedPath`, or nil. `workerPath` is the
    /// worker's own `PATH`, where bare-name patterns look.
    public func commandRefusal(_ executable: String, resolvedPath: String, workerPath: String) -> String? {
        guard let allowedCommands else { return nil }
        if allowedCommands.contains(where: { $0.allows(executable, resolvedPath: resolvedPath, workerPath: workerPath) }) { return nil }
        return "refused by worker policy --allow-commands (\(allowedCommands.map(\.pattern).joined(separator: ", "))): "
            + "'\(executable)' (\(resolvedPath)) matches no allowed pattern"
    }

    /// The flags that differ from the defaults, e.g. `--allow-types http,shell --http-deny-private`.
    public var description: String {
        var parts: [String] = []
        if let allowedTypes { parts.append("--allow-types \(allowedTypes.sorted().joined(separator: ","))") }
        for pattern in allowedCommands ?? [] { parts.append("--allow-commands \(pattern.pattern)") }
        if denyPrivateHTTP { parts.append("--http-deny-private") }
        if maxTaskEnvironmentBytes != Self.defaultMaxTaskEnvironmentBytes { parts.append("--max-task-env \(maxTaskEnvironmentBytes)") }
        return parts.isEmpty ? "(none)" : parts.joined(separator: " ")
    }
}
