import Foundation
import Synchronization

/// A child process of `qctl dev`, with stdin from /dev/null and stdout and stderr in a log file.
///
/// Spawned with an empty signal mask and default dispositions for the signals qctl traps (a
/// child inherits the spawning thread's blocked signals and ignored ones, and would then ignore
/// SIGTERM forever), and in a process group of its own so a terminal's Ctrl-C reaches only qctl,
/// which then stops its children in order.
final class SpawnedProcess: Sendable {
    let name: String
    let pid: pid_t
    let logPath: String
    /// The wait status once reaped; reaping happens under this lock so it happens only once.
    private let status = Mutex<Int32?>(nil)

    init(name: String, executable: String, arguments: [String], logPath: String) throws {
        self.name = name
        self.logPath = logPath
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
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var child: pid_t = 0
        var result = posix_spawn(&child, executable, &actions, &attributes, &argv, environ)
        // ETXTBSY: the file was just written and another process forked meanwhile still holds
        // it open for writing; that clears within milliseconds.
        for _ in 0..<10 where result == ETXTBSY {
            usleep(20_000)
            result = posix_spawn(&child, executable, &actions, &attributes, &argv, environ)
        }
        guard result == 0 else {
            throw CommandFailure("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
    }

    deinit {
        // Never outlive qctl: a child still running here was not stopped by its owner.
        if exitStatus() == nil {
            kill(-pid, SIGKILL)
            reapBlocking()
        }
    }

    /// The wait status if the child exited (reaping it), nil while it runs. Never blocks.
    func exitStatus() -> Int32? {
        status.withLock { status in
            if status == nil {
                var value: Int32 = 0
                if waitpid(pid, &value, WNOHANG) == pid { status = value }
            }
            return status
        }
    }

    /// Sends `signal` to the child alone (SIGTERM: it shuts down its own work).
    func signal(_ number: Int32) {
        if exitStatus() == nil { kill(pid, number) }
    }

    /// SIGKILL to the child's whole process group, then waits for it.
    func killGroup() {
        guard exitStatus() == nil else { return }
        kill(-pid, SIGKILL)
        reapBlocking()
    }

    private func reapBlocking() {
        status.withLock { status in
            guard status == nil else { return }
            var value: Int32 = 0
            while waitpid(pid, &value, 0) == -1 && errno == EINTR {}
            status = value
        }
    }

    /// `exited with status 1` or `killed by signal 9`.
    static func describe(_ status: Int32) -> String {
        let signal = status & 0x7f
        return signal == 0 ? "exited with status \((status >> 8) & 0xff)" : "killed by signal \(signal)"
    }
}

/// Runs blocking work (waiting for child processes) on a thread of its own, so it never holds
/// one of Swift's few cooperative threads.
enum BlockingThread {
    static func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                body()
                continuation.resume()
            }.start()
        }
    }
}
