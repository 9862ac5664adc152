#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization

/// The `qrew-supervise` process that starts this process's commands (one per executable path):
/// started with the first command and again after it died. The kernel closes its request
/// socket when this process dies, however it dies; it then SIGKILLs everything it started and
/// exits.
///
/// One long-lived spawner rather than a supervisor exec'd per command: an exec costs about as
/// much as the task's own, and SwiftPM links even a C executable against the Swift runtime.
final class Spawner: Sendable {
    private struct Running {
        let pid: pid_t
        let socket: Int32
        var exited = false
    }

    let executable: String
    private let running = Mutex<Running?>(nil)

    private init(executable: String) {
        self.executable = executable
    }

    private static let spawners = Mutex<[String: Spawner]>([:])

    /// The spawner for `executable`, created on first use.
    static func shared(_ executable: String) -> Spawner {
        spawners.withLock { all in
            if let known = all[executable] { return known }
            let spawner = Spawner(executable: executable)
            all[executable] = spawner
            return spawner
        }
    }

    /// Hands `descriptors` (protocol order) to the spawner, starting it first when none runs or
    /// the last one died.
    func request(_ descriptors: [Int32]) throws(SupervisedLaunch.Failure) {
        // Under the lock: a socket fd closed by a restart must never be reused by a sender.
        let result: Result<Void, SupervisedLaunch.Failure> = running.withLock { running in
            for attempt in 0..<2 {
                if let current = running, current.exited || attempt > 0 {
                    close(current.socket)
                    running = nil
                }
                if running == nil {
                    do throws(SupervisedLaunch.Failure) {
                        running = try start()
                    } catch {
                        return .failure(error)
                    }
                }
                if Descriptors.sendMessage(running!.socket, data: SupervisorProtocol.requestVersion, descriptors: descriptors) {
                    return .success(())
                }
                let code = errno
                // The spawner is gone (killed, or crashed): start another, once.
                guard [EPIPE, ECONNRESET, ENOTCONN, ECONNREFUSED].contains(code), attempt == 0 else {
                    return .failure(.system("sendmsg to \(Supervisor.executableName)", errno: code))
                }
            }
            return .failure(.supervisor("\(executable) keeps exiting; see this process's stderr"))
        }
        try result.get()
    }

    private func start() throws(SupervisedLaunch.Failure) -> Running {
        guard let (ours, theirs) = Descriptors.makeSocketPair(Int32(SOCK_SEQPACKET.rawValue)) else {
            throw .system("socketpair", errno: errno)
        }
        let source = Descriptors.duplicateHigh(theirs)
        close(theirs)
        defer { if source >= 0 { close(source) } }
        guard source >= 0 else {
            close(ours)
            throw .system("fcntl(F_DUPFD_CLOEXEC)", errno: errno)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, source, SupervisorProtocol.requestSocketFD)
        // fd 2 stays this process's stderr: the spawner's rare complaints belong in its log.

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // A thread's blocked signals and ignored dispositions would otherwise be inherited
        // (NOTES.md: a test-started child ignored SIGTERM forever).
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for sig in 1..<32 where sig != SIGKILL && sig != SIGSTOP { sigaddset(&defaults, Int32(sig)) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        // A group of its own: a terminal's Ctrl-C reaches this process, not the spawner.
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = [strdup(executable), nil]
        defer { free(argv[0]) }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, argv, environ)
        guard rc == 0 else {
            close(ours)
            throw .supervisor("cannot start \(executable): \(String(cString: strerror(rc)))")
        }
        watch(pid)
        return Running(pid: pid, socket: ours)
    }

    /// Reaps the spawner when it exits, so the next request starts a new one.
    private func watch(_ pid: pid_t) {
        let thread = Thread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            running.withLock { running in
                if running?.pid == pid { running?.exited = true }
            }
        }
        thread.name = "qrew-spawner-\(pid)"
        thread.stackSize = 64 << 10
        thread.start()
    }
}
