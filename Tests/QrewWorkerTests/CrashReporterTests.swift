import Logging
import Glibc
import QrewRedis
import QrewTestSupport
import Testing
@testable import QrewQueue
@testable import QrewWorker

/// The crash reporter's bookkeeping in a live process: what it publishes for the signal handler
/// (socket, held tasks) and that it puts the replaced handlers back. The handler itself only runs
/// when a process crashes: QctlTests/QuarantineTests crashes real workers.
@Suite("crash reporter", .serialized)
struct CrashReporterTests {
    @Test func itPublishesItsSocketAndTheHeldTasksAndPutsTheHandlersBackWhenStopped() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(for: server)
            let state = CrashHandlerState.shared
            let before = Self.action(for: SIGILL)
            let log = LogRecorder()
            let reporter = CrashReporter(
                redis: configuration, prefix: "qt", name: "w1", script: "return 0", checkInterval: .milliseconds(50),
                logger: Logger.qrew("worker w1", sink: log.sink))
            await reporter.start()
            #expect(state.socket.load(ordering: .sequentiallyConsistent) >= 0)
            #expect(Self.action(for: SIGILL) != before)

            let a = ClaimedTask(ref: TaskRef(runID: "r1", taskID: "a"), token: "1", attempt: 1, spec: "{}", outputs: [:])
            let b = ClaimedTask(ref: TaskRef(runID: "r1", taskID: "b/c"), token: "22", attempt: 1, spec: "{}", outputs: [:])
            reporter.hold([a, b])
            let held = try #require(Self.held(state))
            #expect(held.count == 2)
            #expect(
                Array(held.bytes) == CrashReportCommand.blamed([(a.ref.description, "1"), (b.ref.description, "22")])
                    || Array(held.bytes) == CrashReportCommand.blamed([(b.ref.description, "22"), (a.ref.description, "1")]))
            // Releases are published lazily and claims append to the published block
            // (record_crash ignores a pair whose token no longer holds the lease): the block
            // always blames every held task, and what it names beyond them stays bounded.
            var live: [ClaimedTask] = [a, b]
            func check(_ step: String) throws {
                let block = try #require(Self.held(state))
                let pairs = Self.pairs(Array(block.bytes))
                #expect(pairs.count == block.count, "\(step)")
                for task in live { #expect(pairs.contains { $0 == (task.ref.description, task.token) }, "\(step): \(task.ref)") }
                #expect(block.count - live.count <= max(CrashReporter.lazyReleases, live.count), "\(step): \(block.count) for \(live.count)")
            }
            try check("hold a, b")
            reporter.release(a.ref)
            live.removeAll { $0.ref == a.ref }
            try check("release a")
            let more = (0..<40).map { ClaimedTask(ref: TaskRef(runID: "r1", taskID: "x\($0)"), token: "\($0)", attempt: 1, spec: "{}", outputs: [:]) }
            reporter.hold(more)
            live += more
            try check("hold 40")
            var shrank = false
            for task in more {
                reporter.release(task.ref)
                live.removeAll { $0.ref == task.ref }
                try check("release \(task.ref)")
                let count = try #require(Self.held(state)).count
                shrank = shrank || count == live.count
            }
            #expect(shrank, "the released were published once they outnumbered the held")
            reporter.hold([a])
            live.append(a)
            try check("hold a again")

            // Signal handlers are process-wide: a second reporter stays off and says why.
            let second = CrashReporter(
                redis: configuration, prefix: "qt", name: "w2", script: "return 0", checkInterval: .milliseconds(50),
                logger: Logger.qrew("worker w2", sink: log.sink))
            await second.start()
            let published = try #require(Self.held(state)).count
            second.hold([more[0]])
            #expect(try #require(Self.held(state)).count == published, "the first reporter's block, unchanged")
            #expect(log.all.contains { $0.contains("crash reports off: another service in this process") })

            reporter.stop()
            #expect(Self.action(for: SIGILL) == before)
            #expect(state.held.load(ordering: .sequentiallyConsistent) == 0)
            let deadline = ContinuousClock.now + .seconds(2)
            while state.socket.load(ordering: .sequentiallyConsistent) >= 0, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(state.socket.load(ordering: .sequentiallyConsistent) == -1)
        }
    }

    /// The (item, detail) pairs of a block's RESP bulk strings.
    static func pairs(_ bytes: [UInt8]) -> [(String, String)] {
        var strings: [String] = []
        var index = 0
        while index < bytes.count, bytes[index] == UInt8(ascii: "$") {
            var end = index + 1
            while end < bytes.count, bytes[end] != 13 { end += 1 }
            guard let length = Int(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)), end + 2 + length <= bytes.count else { break }
            strings.append(String(decoding: bytes[(end + 2)..<(end + 2 + length)], as: UTF8.self))
            index = end + 2 + length + 2
        }
        return stride(from: 0, to: strings.count - 1, by: 2).map { (strings[$0], strings[$0 + 1]) }
    }

    @Test func itsConnectionIsReopenedOnTheSameDescriptorWhenRedisClosesIt() async throws {
        try await withRedisServer { server in
            let configuration = try testConfiguration(for: server)
            let state = CrashHandlerState.shared
            let log = LogRecorder()
            let reporter = CrashReporter(
                redis: configuration, prefix: "qt", name: "w1", script: "return 0", checkInterval: .milliseconds(50),
                logger: Logger.qrew("worker w1", sink: log.sink))
            await reporter.start()
            defer { reporter.stop() }
            let socket = state.socket.load(ordering: .sequentiallyConsistent)
            try #require(socket >= 0)
            let redis = RedisClient(configuration: configuration)
            defer { redis.close() }
            _ = try await redis.send("CLIENT", "KILL", "TYPE", "normal")
            let deadline = ContinuousClock.now + .seconds(20)
            while !log.all.contains(where: { $0.contains("crash reports: connected to Redis again") }), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(log.all.contains { $0.contains("crash reports: connected to Redis again") }, "\(log.all)")
            #expect(state.socket.load(ordering: .sequentiallyConsistent) == socket)
            // The reporter's checker polls the socket too, and a reply it sees first reads as a
            // closed peer to it: a few tries keep the check about the descriptor, not that race.
            let replies = (0..<5).lazy.map { _ in Self.ping(socket) }
            #expect(replies.first { $0 == "+PONG\r\n" } != nil)
        }
    }

    /// Sends PING on `socket` as the handler would write, and reads the reply.
    private static func ping(_ socket: Int32) -> String {
        let command = Array("*1\r\n$4\r\nPING\r\n".utf8)
        guard command.withUnsafeBytes({ send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == command.count else {
            return "send failed"
        }
        var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
        guard poll(&descriptor, 1, 2000) > 0 else { return "no reply" }
        var reply = [UInt8](repeating: 0, count: 64)
        let count = reply.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        return String(decoding: reply.prefix(max(count, 0)), as: UTF8.self)
    }

    /// The address of the handler installed for `signal`.
    private static func action(for signal: Int32) -> Int {
        var current = sigaction()
        sigaction(signal, nil, &current)
        return unsafeBitCast(current.__sigaction_handler.sa_sigaction, to: Int.self)
    }

    private static func held(_ state: CrashHandlerState) -> CrashReportBlock? {
        UnsafeMutableRawPointer(bitPattern: state.held.load(ordering: .sequentiallyConsistent)).map(CrashReportBlock.init(raw:))
    }
}
