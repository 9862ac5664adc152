import Foundation
import QrewQueue
import Testing
@testable import QrewWorker

extension WorkerServiceTests {
    /// The `qrew-worker` executable, run as a child process.
    @Suite struct Binary {
        /// `qrew-worker` from the build products directory the test bundle runs from.
        static func executable() throws -> String {
            let start = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? Bundle.main.executablePath ?? CommandLine.arguments[0]
            var directory = URL(fileURLWithPath: start).deletingLastPathComponent()
            for _ in 0..<4 {
                let candidate = directory.appendingPathComponent("qrew-worker").path
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
                directory.deleteLastPathComponent()
            }
            throw BinaryNotFound(description: "qrew-worker not found near \(start); run `swift build` first")
        }

        struct BinaryNotFound: Error, CustomStringConvertible {
            let description: String
        }

        @Test func sigtermDrainsLetsTheRunningTaskFinishAndExitsZero() async throws {
            try await withWorkerFixture { fixture in
                try await fixture.submit("r1", [try taskRecord("r1", "work", argv: ["sh", "-c", "echo $$; sleep 1; echo finished"])])
                let path = try Self.executable()
                let child = try await ChildProcess.spawn(
                    path: path,
                    argv: [path, "--redis", fixture.server.url, "--namespace", WorkerFixture.namespace, "--name", "bin1",
                           "--concurrency", "1", "--drain", "10s"],
                    environment: ProcessInfo.processInfo.environment, cwd: nil)
                let pump = OutputPump.start(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: 1 << 16, batcher: OutputBatcher())

                _ = try #require(try await fixture.printedPID("r1", "work"))
                kill(child.pid, SIGTERM)
                let status = await within(.seconds(15)) { await child.exitStatus.value }
                let stderr = await within(.seconds(5)) { String(decoding: await pump.done.value.stderr, as: UTF8.self) } ?? ""
                #expect(status.map(Termination.init(waitStatus:)) == .exited(0), "\(stderr)")
                #expect(try await fixture.field("r1", "work", "state") == "succeeded")
                #expect(try await fixture.field("r1", "work", "output") == "finished")
                for expected in ["worker bin1 info: started", "received SIGTERM", "draining: 1 task(s) running", "stopped"] {
                    #expect(stderr.contains(expected), "missing '\(expected)' in:\n\(stderr)")
                }
                #expect(!stderr.contains("claimed"), "claims are logged at debug, below the default info:\n\(stderr)")
            }
        }

        /// `--log-level debug` logs each claim; the line format is the one of every level.
        @Test func logLevelDebugLogsClaims() async throws {
            try await withWorkerFixture { fixture in
                try await fixture.submit("r1", [try taskRecord("r1", "work", argv: ["echo", "done"])])
                let path = try Self.executable()
                let child = try await ChildProcess.spawn(
                    path: path,
                    argv: [path, "--redis", fixture.server.url, "--namespace", WorkerFixture.namespace, "--name", "bin2",
                           "--concurrency", "1", "--log-level", "debug"],
                    environment: ProcessInfo.processInfo.environment, cwd: nil)
                let pump = OutputPump.start(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: 1 << 16, batcher: OutputBatcher())
                let deadline = ContinuousClock.now + .seconds(15)
                while try await fixture.field("r1", "work", "state") != "succeeded", ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(50))
                }
                kill(child.pid, SIGTERM)
                let status = await within(.seconds(15)) { await child.exitStatus.value }
                let stderr = await within(.seconds(5)) { String(decoding: await pump.done.value.stderr, as: UTF8.self) } ?? ""
                #expect(status.map(Termination.init(waitStatus:)) == .exited(0), "\(stderr)")
                #expect(stderr.contains(" worker bin2 debug: claimed 1 task(s): r1/work"), "\(stderr)")
            }
        }

        /// Installed without `qrew-supervise` next to it, a worker would start tasks that outlive
        /// it if killed; it refuses to start instead, saying what is missing.
        @Test func refusesToStartWithoutItsSupervisor() async throws {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-alone-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let path = directory + "/qrew-worker"
            if link(try Self.executable(), path) != 0 { try FileManager.default.copyItem(atPath: try Self.executable(), toPath: path) }
            var environment = ProcessInfo.processInfo.environment
            environment["QREW_SUPERVISE"] = nil
            let child = try await ChildProcess.spawn(
                path: path, argv: [path, "--redis", "redis://127.0.0.1:1"], environment: environment, cwd: nil)
            let pump = OutputPump.start(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: 1 << 16, batcher: OutputBatcher())
            let status = await within(.seconds(10)) { await child.exitStatus.value }
            let stderr = await within(.seconds(5)) { String(decoding: await pump.done.value.stderr, as: UTF8.self) } ?? ""
            #expect(status.map(Termination.init(waitStatus:)) == .exited(1), "\(stderr)")
            #expect(stderr.contains("qrew-supervise not found next to this executable (\(directory))"), "\(stderr)")
        }

        @Test func badOptionsExitTwoWithAMessage() async throws {
            let path = try Self.executable()
            for (argv, message) in [
                (["--lease", "soon"], "invalid --lease 'soon'"),
                (["--concurrency", "0"], "invalid --concurrency '0'"),
                (["--concurrency", "auto:4-2"], "invalid --concurrency 'auto:4-2': expected 1 <= MIN <= MAX"),
                (["--concurrency", "auto", "--throttle-cpu", "2"], "invalid --throttle-cpu 2.0"),
                (["--concurrency", "auto", "--throttle-interval", "1ms"], "invalid --throttle-interval '1ms'"),
                (["--concurrency", "auto", "--throttle-cgroup", "/nonexistent"], "invalid --throttle-cgroup '/nonexistent'"),
                (["--cache-max-entries", "0"], "invalid --cache-max-entries '0'"),
                (["--redis", "http://x"], "invalid Redis URL"),
                (["--log-level", "loud"], "invalid --log-level 'loud': expected trace, debug, info"),
                (["--redis", "redis-sentinel://127.0.0.1:26379"], "needs the primary's name"),
                (["--durable-results-timeout", "1s"], "--durable-results-timeout needs --durable-results"),
                (["--durable-results", "--durable-results-timeout", "2m"], "invalid --durable-results-timeout '2m': at most 60s"),
                (["--durable-results", "--durable-results-timeout", "soon"], "invalid --durable-results-timeout 'soon'"),
                (["--allow-types", ","], "invalid --allow-types ',': expected comma-separated step types"),
                (["--allow-commands", " "], "invalid --allow-commands: an --allow-commands pattern must not be empty"),
                (["--max-task-env", "10"], "invalid --max-task-env '10': expected a whole number of bytes from 1024"),
                (["--output-cap", "999999999999"], "invalid --output-cap '999999999999'"),
                (["--secrets-dir", "/nonexistent"], "invalid --secrets-dir '/nonexistent': not a directory"),
            ] {
                let child = try await ChildProcess.spawn(
                    path: path, argv: [path] + argv, environment: ProcessInfo.processInfo.environment, cwd: nil)
                let pump = OutputPump.start(stdoutFD: child.stdoutFD, stderrFD: child.stderrFD, cap: 1 << 16, batcher: OutputBatcher())
                let status = await within(.seconds(10)) { await child.exitStatus.value }
                let stderr = await within(.seconds(5)) { String(decoding: await pump.done.value.stderr, as: UTF8.self) } ?? ""
                #expect(status.map(Termination.init(waitStatus:)) == .exited(2), "\(argv): \(stderr)")
                #expect(stderr.contains(message), "\(argv): \(stderr)")
            }
        }
    }
}
