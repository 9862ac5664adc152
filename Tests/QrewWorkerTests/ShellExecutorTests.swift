import Foundation
import Testing
@testable import QrewWorker

#if canImport(Glibc)
import Glibc
#endif

/// Real processes; serialized so timing assertions are not at the mercy of sibling tests on
/// a 2-core machine.
@Suite(.serialized)
struct ShellExecutorTests {
    @Test func argvIsPassedWithoutShellInterpretation() async {
        let hostile = "$(whoami); rm -rf / `id` * ~ \"quoted\" 'single'"
        let result = await run(shell(["printf", "%s", hostile]))
        #expect(result.outcome == .succeeded)
        #expect(result.stdout == hostile)
        #expect(result.output == hostile)
    }

    @Test func useShellInterprets() async {
        let result = await run(shell(["echo $((40+2)) | tr 4 x"], useShell: true))
        #expect(result.outcome == .succeeded)
        #expect(result.output == "x2")
    }

    @Test func useShellPassesLaterItemsAsPositionalParametersNotAsScript() async {
        let hostile = "$(echo injected); echo also-injected"
        let result = await run(shell([#"printf '%s|%s\n' "$0" "$1""#, "first arg", hostile], useShell: true))
        #expect(result.outcome == .succeeded)
        #expect(result.output == "first arg|\(hostile)")
    }

    @Test func environmentAndWorkingDirectoryAreApplied() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-cwd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let result = await run(
            shell(
                ["sh", "-c", #"printf '%s|%s|%s|%s\n' "$STEP_VAR" "$QREW_TASK_ID" "$(pwd -P)" "${HOME:+inherited}""#],
                env: ["STEP_VAR": "from step", "QREW_TASK_ID": "step loses"], cwd: dir.path,
                extra: ["QREW_TASK_ID": "t-1", "QREW_RUN_ID": "r-1", "QREW_ATTEMPT": "2"]))
        #expect(result.outcome == .succeeded)
        let realDir = URL(fileURLWithPath: dir.path).resolvingSymlinksInPath().path
        #expect(result.output == "from step|t-1|\(realDir)|inherited")
    }

    @Test func missingWorkingDirectoryFailsClearly() async {
        let result = await run(shell(["true"], cwd: "/nonexistent/qrew"))
        #expect(result.outcome == .failed)
        #expect(result.error == "working directory '/nonexistent/qrew' does not exist")
    }

    @Test func linesStreamInOrderInBatches() async {
        let collector = Collector()
        let result = await run(
            shell(["sh", "-c", "i=1; while [ $i -le 300 ]; do echo out$i; echo err$i >&2; i=$((i+1)); done"]),
            collector)
        #expect(result.outcome == .succeeded)
        #expect(collector.texts(.stdout) == (1...300).map { "out\($0)" })
        #expect(collector.texts(.stderr) == (1...300).map { "err\($0)" })
        #expect(collector.batches.count >= 10)
        #expect(collector.batches.allSatisfy { $0.count <= 64 })
        #expect(result.output == "out300")
        #expect(result.stdout.hasPrefix("out1\nout2\n"))
        #expect(result.stderr.hasSuffix("err300\n"))
    }

    @Test func linesArriveWhileTheProcessRuns() async {
        let collector = Collector()
        let start = ContinuousClock.now
        let result = await run(shell(["sh", "-c", "echo early; sleep 1; echo late"]), collector)
        #expect(result.outcome == .succeeded)
        #expect(collector.batches.first?.map(\.text) == ["early"])
        // Flushed about 50 ms after printing, long before the process ended.
        #expect(collector.times.first! - start < .seconds(2))
        #expect(collector.texts(.stdout) == ["early", "late"])
    }

    @Test func lastNonEmptyStdoutLineIsTheOutput() async {
        let result = await run(shell(["sh", "-c", "echo first; echo second; echo; echo '  '; echo noise >&2"]))
        #expect(result.output == "second")
    }

    @Test func outputFileWinsAndIsRemoved() async {
        let result = await run(
            shell(["sh", "-c", #"echo "$QREW_OUTPUT"; printf 'from file\nline 2\n' > "$QREW_OUTPUT"; echo last"#]))
        #expect(result.outcome == .succeeded)
        #expect(result.output == "from file\nline 2")
        let path = String(result.stdout.split(separator: "\n")[0])
        #expect(path.contains("qrew-output-"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func outputCapTruncatesAndFlags() async {
        let result = await run(shell(["sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x; echo; echo tail"], cap: 1000))
        #expect(result.outcome == .succeeded)
        #expect(result.stdout.utf8.count == 1000)
        #expect(result.truncated)
        #expect(result.output == "tail")  // the output line is tracked past the cap

        let small = await run(shell(["echo", "fits"], cap: 1000))
        #expect(!small.truncated)
    }

    @Test func nonZeroExitFailsWithCodeAndStderrTail() async {
        let result = await run(shell(["sh", "-c", "echo progress; echo 'disk full' >&2; exit 3"]))
        #expect(result.outcome == .failed)
        #expect(result.exitCode == 3)
        #expect(result.error == "exited with status 3: disk full")
    }

    @Test func deathBySignalIsReported() async {
        let result = await run(shell(["sh", "-c", "kill -9 $$"]))
        #expect(result.outcome == .failed)
        #expect(result.signal == 9)
        #expect(result.error == "killed by signal 9 (SIGKILL)")
    }

    @Test func missingExecutableFailsClearly() async {
        let result = await run(shell(["qrew-no-such-tool"], env: ["PATH": "/usr/bin:/bin"]))
        #expect(result.outcome == .failed)
        #expect(result.error == "no such executable 'qrew-no-such-tool' (looked in PATH=/usr/bin:/bin)")

        let relative = await run(shell(["./nope.sh"], cwd: "/tmp"))
        #expect(relative.error == "no such executable './nope.sh'")
    }

    @Test func timeoutKillsTheWholeGroupIncludingGrandchildren() async throws {
        let collector = Collector()
        let start = ContinuousClock.now
        let result = await run(
            shell(["sh", "-c", "echo $$; sleep 60 & sleep 60"], timeout: .seconds(1), grace: .milliseconds(300)),
            collector)
        let elapsed = ContinuousClock.now - start
        #expect(result.outcome == .timedOut)
        #expect(result.error == "timed out after 1s")
        #expect(elapsed < .milliseconds(2500))
        let pgid = try #require(pid_t(collector.texts(.stdout).first ?? ""))
        #expect(!ProcessGroup.hasLiveMembers(pgid))
        #expect(await groupVanishes(pgid))
    }

    @Test func processIgnoringTermIsKilledAfterGrace() async throws {
        let collector = Collector()
        let start = ContinuousClock.now
        let result = await run(
            shell(["sh", "-c", "trap '' TERM; echo $$; sleep 60"], timeout: .milliseconds(500), grace: .milliseconds(700)),
            collector)
        let elapsed = ContinuousClock.now - start
        #expect(result.outcome == .timedOut)
        #expect(result.signal == 9)
        #expect(result.error == "timed out after 500ms (killed after 700ms grace)")
        #expect(elapsed >= .milliseconds(1200))
        #expect(elapsed < .seconds(3))
        let pgid = try #require(pid_t(collector.texts(.stdout).first ?? ""))
        #expect(!ProcessGroup.hasLiveMembers(pgid))
    }

    @Test func cancellationStopsTheGroupWithinASecond() async throws {
        let collector = Collector()
        let task = Task {
            await run(shell(["sh", "-c", "echo $$; sleep 60 & sleep 60"], grace: .milliseconds(200)), collector)
        }
        let line = await within(.seconds(5)) { await collector.firstStdoutLine.value }
        let pgid = try #require(pid_t(line ?? ""))
        #expect(ProcessGroup.hasLiveMembers(pgid))

        let canceledAt = ContinuousClock.now
        task.cancel()
        let result = await within(.seconds(5)) { await task.value }
        #expect(ContinuousClock.now - canceledAt < .seconds(3))
        #expect(result?.outcome == .canceled)
        #expect(!ProcessGroup.hasLiveMembers(pgid))
        #expect(await groupVanishes(pgid))
    }

    @Test func leftoverBackgroundProcessesDoNotOutliveTheTask() async throws {
        let result = await run(shell(["sh", "-c", "sleep 60 >/dev/null 2>&1 & echo $$"], grace: .milliseconds(200)))
        #expect(result.outcome == .succeeded)
        let pgid = try #require(pid_t(result.output))
        #expect(!ProcessGroup.hasLiveMembers(pgid))
    }
}
