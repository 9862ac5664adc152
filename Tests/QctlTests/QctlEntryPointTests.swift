import Foundation
import QrewRedis
import QrewTestSupport
import Testing

/// qctl's own `main`: synchronous, it runs an async command on the concurrency pool while the main
/// thread waits (no `dispatch_main`, whose `pthread_exit` costs a static qctl ~20 ms), or, for
/// `status`, on the main thread itself; it prints an error in one write, qctl's own failures
/// without ArgumentParser's message builder. What a user sees must be what ArgumentParser's
/// `main` gave.
@Suite("qctl entry point")
struct QctlEntryPointTests {
    @Test func anAsyncCommandRunsToItsEndAndExitsZero() async throws {
        try await withRedisServer { server in
            let result = try await qctl("list", "--redis", server.url, "--namespace", "entry")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty, "\(result.stderr)")
        }
    }

    @Test func anAsyncCommandsErrorIsOneLineOnStderrAndExitsOne() async throws {
        try await withRedisServer { server in
            let result = try await qctl("status", "nope", "--redis", server.url, "--namespace", "entry")
            #expect(result.status == 1)
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("Error: no run 'nope' in namespace 'entry'"), "\(result.stderr)")
            #expect(result.stderr.hasSuffix("\n") && result.stderr.filter { $0 == "\n" }.count == 1, "\(result.stderr)")
        }
    }

    /// `status` runs on the calling thread with one connection, and reads only the variables it
    /// needs: the ACL user and password file still log it in, and a wrong password is refused.
    @Test func statusLogsInThroughTheEnvironment() async throws {
        try await withAclRedisServer(namespace: "entry") { server in
            let viewer = server.environment(.viewer)
            let missing = try await qctl("status", "nope", environment: viewer)
            #expect(missing.status == 1, "\(missing.stderr)")
            #expect(missing.stderr == "Error: no run 'nope' in namespace 'entry' on \(server.plainURL) (finished runs expire after the coordinator's retention)\n")

            let directory = try temporaryDirectory()
            let wrong = directory + "/wrong.password"
            try "not-the-password\n".write(toFile: wrong, atomically: true, encoding: .utf8)
            var refused = viewer
            refused[RedisConfiguration.CredentialVariable.passwordFile] = wrong
            let result = try await qctl("status", "nope", environment: refused)
            #expect(result.status == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("Error: Redis at \(server.plainURL): "), "\(result.stderr)")
            #expect(!result.stderr.contains("not-the-password"), "\(result.stderr)")
        }
    }

    @Test func aSynchronousCommandsProblemsExitOne() async throws {
        let result = try await qctl("validate", "/no/such/dir/flow.yaml")
        #expect(result.status == 1)
        #expect(result.stdout.contains("the file does not exist"), "\(result.stdout)")
        #expect(result.stderr == "/no/such/dir/flow.yaml: 1 problem; nothing was queued\n", "\(result.stderr)")
    }

    @Test func usageErrorsExitTwoWithTheUsage() async throws {
        let result = try await qctl("status")
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("Error: Missing expected argument '<run>'"), "\(result.stderr)")
        #expect(result.stderr.contains("Usage: qctl status"), "\(result.stderr)")
    }

    /// A top-level command is parsed as its own root first (no tree of every command, no
    /// completion-script check); help and usage errors still come from the root's parse.
    @Test func aTopLevelCommandsHelpAndErrorsReadAsFromTheRoot() async throws {
        let listing = try await qctl("--help")
        let names = listing.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            .drop { !$0.hasPrefix("SUBCOMMANDS:") }.dropFirst()
            .prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .filter { $0.hasPrefix("  ") && !$0.hasPrefix("   ") }  // not an abstract's second line
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        #expect(names.count >= 20, "\(listing.stdout)")
        for name in names {
            let ownHelp = try await qctl(name, "--help")
            let rootHelp = try await qctl("help", name)
            #expect(ownHelp.status == 0 && ownHelp.stdout == rootHelp.stdout, "\(name): \(ownHelp.stdout)")
            #expect(ownHelp.stdout.contains("USAGE: qctl \(name)"), "\(name): \(ownHelp.stdout)")
        }
        let unknown = try await qctl("status", "run", "--bogus")
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Usage: qctl status") && unknown.stderr.contains("See 'qctl status --help'"), "\(unknown.stderr)")
        let nested = try await qctl("dlq", "list", "--limit", "0")
        #expect(nested.status == 2)
        #expect(nested.stderr.hasPrefix("Error: --limit must be at least 1") && nested.stderr.contains("Usage: qctl dlq list"), "\(nested.stderr)")
    }

    @Test func helpGoesToStdoutAndExitsZero() async throws {
        for arguments in [["--help"], [], ["help", "status"]] {
            let process = try QctlProcess(arguments)
            let result = await process.wait()
            #expect(result.status == 0, "\(arguments): \(result.stderr)")
            #expect(result.stdout.contains("USAGE: qctl"), "\(arguments): \(result.stdout)")
            #expect(result.stderr.isEmpty, "\(arguments): \(result.stderr)")
        }
    }
}
