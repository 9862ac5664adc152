#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A command started by this process's `qrew-supervise` (``Spawner``), so that it and
/// everything it starts die with this process: when this process exits or is killed (SIGKILL,
/// the OOM killer), the kernel closes the spawner's request socket and the spawner SIGKILLs
/// every command's process group and every other descendant. While this process lives, the
/// command behaves as if spawned directly: it leads a new process group (pgid == ``pid``),
/// starts with an empty signal mask and default dispositions, and only fds 0-2 open.
///
/// The command is the spawner's child, not this process's: its end comes through the report
/// pipe (``waitForExit()``), not `waitpid`.
package struct SupervisedLaunch: Sendable {
    /// The command's pid, also its process group id.
    package let pid: pid_t
    /// The read end of the report pipe (close-on-exec), owned by whoever calls ``waitForExit()``.
    package let reportFD: Int32

    package enum Failure: Error, Sendable, CustomStringConvertible {
        /// The spawner could not be started, or it ended without starting the command.
        case supervisor(String)
        /// `execve` of the command failed with this errno.
        case exec(errno: Int32)
        /// `chdir` to the working directory failed with this errno.
        case chdir(errno: Int32)
        /// A system call failed, here or in the spawner.
        case system(String, errno: Int32)

        package var description: String {
            switch self {
            case .supervisor(let problem): problem
            case .exec(let code): "execve failed: \(String(cString: strerror(code)))"
            case .chdir(let code): "chdir failed: \(String(cString: strerror(code)))"
            case .system(let call, let code): "\(call) failed: \(String(cString: strerror(code)))"
            }
        }
    }

    /// Has `supervisor` (the `qrew-supervise` executable) start `argv` (`argv[0]` already
    /// resolved to `path`) with exactly `environment` in `cwd`, stdin on /dev/null and stdout
    /// and stderr on the given descriptors (left open for the caller to close). Blocks until
    /// the command has been exec'd: call it from a thread of its own, not a cooperative one.
    package static func start(
        supervisor: String, path: String, argv: [String], environment: [String: String], cwd: String?,
        stdout: Int32, stderr: Int32
    ) throws(Failure) -> SupervisedLaunch {
        try request(
            supervisor: supervisor, path: path, argv: argv, environment: environment, cwd: cwd, stdout: stdout,
            stderr: stderr
        ).wait()
    }

    /// The part of ``start(supervisor:path:argv:environment:cwd:stdout:stderr:)`` that does not
    /// wait for the spawner (it only blocks to start the spawner the first time), so a caller
    /// on a cooperative thread can hand the waiting to a thread of its own.
    package static func request(
        supervisor: String, path: String, argv: [String], environment: [String: String], cwd: String?,
        stdout: Int32, stderr: Int32
    ) throws(Failure) -> Pending {
        guard let report = Descriptors.makePipe() else { throw .system("pipe", errno: errno) }
        guard let payload = Descriptors.makeSocketPair(Int32(SOCK_STREAM.rawValue)) else {
            let code = errno
            close(report.read); close(report.write)
            throw .system("socketpair", errno: code)
        }
        // Most commands fit in the socket's buffer: written before the request, the spawner
        // finds them there at once; the rest (a huge environment) follows in ``Pending/wait()``.
        let bytes = SupervisorProtocol.payload(path: path, argv: argv, environment: environment, cwd: cwd)
        let buffered = Descriptors.send(payload.0, bytes, wait: false)
        let sent: Result<Void, Failure>
        do throws(Failure) {
            try Spawner.shared(supervisor).request([stdout, stderr, report.write, payload.1])
            sent = .success(())
        } catch {
            sent = .failure(error)
        }
        close(report.write)
        close(payload.1)
        if case .failure(let error) = sent {
            close(report.read); close(payload.0)
            throw error
        }
        // The spawner reads the command to EOF, one request at a time: close at once when it
        // is all there, so no other command waits on this caller.
        let rest = Array(bytes[buffered...])
        if rest.isEmpty { close(payload.0) }
        return Pending(supervisor: supervisor, reportFD: report.read, payloadFD: rest.isEmpty ? -1 : payload.0, rest: rest)
    }

    /// A request handed to the spawner, not yet known to have started.
    package struct Pending: Sendable {
        let supervisor: String
        let reportFD: Int32
        let payloadFD: Int32
        let rest: [UInt8]

        /// Sends what is left of the command and blocks until the spawner says it started.
        package func wait() throws(Failure) -> SupervisedLaunch {
            if payloadFD >= 0 {
                // A spawner that died before reading it all is reported below, as EOF on the report pipe.
                _ = Descriptors.send(payloadFD, rest, wait: true)
                close(payloadFD)
            }
            let first = SupervisedLaunch.next(reportFD)
            if case .started(let pid)? = first { return SupervisedLaunch(pid: pid, reportFD: reportFD) }
            close(reportFD)
            switch first {
            case .execFailed(let code)?: throw .exec(errno: code)
            case .chdirFailed(let code)?: throw .chdir(errno: code)
            case .setupFailed(let code)?: throw .system("\(Supervisor.executableName) starting the command", errno: code)
            default: throw .supervisor("\(supervisor) ended without starting the command; see this process's stderr")
            }
        }
    }

    /// Blocks until the command has ended and been reaped; its raw `waitpid` status, or nil if
    /// the spawner ended without saying (it was killed, and the command with it: its
    /// parent-death signal is SIGKILL).
    package func waitForExit() -> Int32? {
        while let message = Self.next(reportFD) {
            if case .exited(let status) = message { return status }
        }
        return nil
    }

    /// The next message on a report pipe (blocking); nil at EOF or on a malformed message.
    static func next(_ fd: Int32) -> SupervisorProtocol.Report? {
        var values: (Int32, Int32) = (0, 0)
        var have = 0
        let size = SupervisorProtocol.reportSize
        while have < size {
            let n = withUnsafeMutableBytes(of: &values) { read(fd, $0.baseAddress! + have, size - have) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return nil }
            have += n
        }
        return SupervisorProtocol.Report(kind: values.0, value: values.1)
    }
}
