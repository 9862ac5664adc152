import Foundation
import QrewTestSupport
import Testing
@testable import QrewWorker

#if canImport(Glibc)
import Glibc
#endif

/// A task process started through `qrew-supervise` looks to the worker exactly like one it
/// spawned itself: same exit statuses, same process group, a clean start.
@Suite(.serialized)
struct ChildProcessTests {
    /// Runs `argv` to its end; its decoded status and what it printed.
    func run(_ argv: [String], cwd: String? = nil) async throws -> (Termination, String) {
        let path = try ChildProcess.resolveExecutable(argv[0], searchPath: "/usr/bin:/bin", cwd: cwd)
        let child = try await ChildProcess.spawn(
            path: path, argv: argv, environment: ["PATH": "/usr/bin:/bin"], cwd: cwd)
        let pump = OutputPump.start(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: 1 << 16, batcher: OutputBatcher())
        let status = try #require(await within(.seconds(10)) { await child.exitStatus.value })
        let output = try #require(await within(.seconds(5)) { await pump.done.value })
        return (Termination(waitStatus: status), String(decoding: output.stdout + output.stderr, as: UTF8.self))
    }

    @Test func exitCodesAndSignalsComeThroughUnchanged() async throws {
        #expect(try await run(["sh", "-c", "exit 0"]).0 == .exited(0))
        #expect(try await run(["sh", "-c", "exit 42"]).0 == .exited(42))
        #expect(try await run(["sh", "-c", "exit 255"]).0 == .exited(255))
        #expect(try await run(["sh", "-c", "kill -TERM $$"]).0 == .signaled(SIGTERM))
        #expect(try await run(["sh", "-c", "kill -USR1 $$"]).0 == .signaled(SIGUSR1))
        #expect(try await run(["sh", "-c", "kill -KILL $$"]).0 == .signaled(SIGKILL))
    }

    @Test func theTaskLeadsItsOwnProcessGroupWithACleanStart() async throws {
        // The shell reads its own mask with builtins first (while it waits for a child, it
        // blocks signals itself); field 5 of /proc/PID/stat is the process group; `ls` lists
        // the shell's open fds.
        let (status, output) = try await run([
            "sh", "-c",
            #"while read -r key value; do case $key in SigBlk:|SigIgn:) s="$s$key$value ";; esac; done < /proc/$$/status; "#
                + #"echo "$$ $(cut -d' ' -f5 /proc/$$/stat)"; readlink /proc/$$/fd/0; echo $s | tr ' ' '\n'; ls /proc/$$/fd"#,
        ])
        #expect(status == .exited(0))
        let lines = output.split(separator: "\n").map(String.init)
        try #require(lines.count >= 4, "\(output)")
        let ids = lines[0].split(separator: " ")
        #expect(ids.count == 2 && ids[0] == ids[1], "pid and process group differ: \(lines[0])")
        #expect(lines[1] == "/dev/null")
        #expect(lines[2] == "SigBlk:0000000000000000")
        // Signals 32 and 33 are glibc's own: no libc call can reset them, and the test runner
        // (not qrew-worker) ignores them.
        let ignored = UInt64(lines[3].dropFirst("SigIgn:".count), radix: 16)
        #expect(ignored.map { $0 & ~0x1_8000_0000 } == 0, "\(lines[3])")
        #expect(Array(lines.dropFirst(4)) == ["0", "1", "2"], "descriptors beyond stdio leaked into the task")
    }

    /// More than the spawner's socket buffers at once: the rest follows the request.
    @Test func aLargeEnvironmentGetsThroughWhole() async throws {
        let value = String(repeating: "x", count: 100_000)
        let environment = ["PATH": "/usr/bin:/bin", "BIG1": value, "BIG2": value, "BIG3": value + "yz"]
        let child = try await ChildProcess.spawn(
            path: "/bin/sh", argv: ["sh", "-c", #"echo $((${#BIG1} + ${#BIG2} + ${#BIG3}))"#], environment: environment, cwd: nil)
        let pump = OutputPump.start(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: 1 << 16, batcher: OutputBatcher())
        let status = await within(.seconds(10)) { await child.exitStatus.value }
        #expect(status.map(Termination.init(waitStatus:)) == .exited(0))
        #expect(await within(.seconds(5)) { await pump.done.value.lastStdoutLine } == "300002")
    }

    @Test func startFailuresAreReportedAsBefore() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-child-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let garbage = directory + "/garbage"
        // Written through a close-on-exec descriptor: a process another test starts meanwhile (a
        // spawner, which lives on) must not keep it open for writing, or exec fails with ETXTBSY
        // for as long as that process lives (Data.write's descriptor is not close-on-exec).
        let descriptor = open(garbage, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        #expect(descriptor >= 0)
        let written = [UInt8]([0x7f, 0x00, 0x01, 0x02]).withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        #expect(written == 4)
        close(descriptor)
        // A process another test forks while the file is still open inherits the descriptor
        // until its exec, and exec then fails with ETXTBSY: wait that moment out.
        var error: ChildProcess.SpawnError?
        for _ in 0..<50 {
            do {
                _ = try await ChildProcess.spawn(path: garbage, argv: [garbage], environment: [:], cwd: nil)
                error = nil
            } catch let failure {
                error = failure
            }
            guard case .system(_, errno: ETXTBSY)? = error else { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(error == .notExecutable(garbage))
        await #expect(throws: ChildProcess.SpawnError.noSuchExecutable(directory + "/gone", searchPath: "")) {
            _ = try await ChildProcess.spawn(path: directory + "/gone", argv: ["gone"], environment: [:], cwd: nil)
        }
        await #expect(throws: ChildProcess.SpawnError.self) {
            _ = try await ChildProcess.spawn(path: "/bin/true", argv: ["true"], environment: [:], cwd: nil, supervisor: "/nonexistent/qrew-supervise")
        }
    }

    /// The spawner (the task's parent) killed on its own: the task dies with it (its
    /// parent-death signal), is reported killed, and the next task gets a new spawner.
    @Test func aKilledSpawnerTakesItsTasksAlongAndIsReplaced() async throws {
        // A spawner of its own (one runs per executable path): the shared one serves other suites.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-spawner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let supervisor = directory + "/qrew-supervise"
        try FileManager.default.createSymbolicLink(atPath: supervisor, withDestinationPath: try ShellExecutor().locateSupervisor())
        let child = try await ChildProcess.spawn(
            path: "/bin/sleep", argv: ["sleep", "60"], environment: [:], cwd: nil, supervisor: supervisor)
        let stat = try String(contentsOfFile: "/proc/\(child.pid)/stat", encoding: .utf8)
        let parent = try #require(pid_t(stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")[1]))
        #expect(try String(contentsOfFile: "/proc/\(parent)/comm", encoding: .utf8) == "qrew-supervise\n")

        kill(parent, SIGKILL)
        let status = await within(.seconds(5)) { await child.exitStatus.value }
        #expect(status.map(Termination.init(waitStatus:)) == .signaled(SIGKILL))
        #expect(await ProcessProbe.survivors(of: [child.pid], within: .seconds(1)).isEmpty)
        let next = try await ChildProcess.spawn(
            path: "/bin/sh", argv: ["sh", "-c", "exit 7"], environment: [:], cwd: nil, supervisor: supervisor)
        let nextStatus = await within(.seconds(5)) { await next.exitStatus.value }
        #expect(nextStatus.map(Termination.init(waitStatus:)) == .exited(7))
    }
}
