#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Synchronization
import QrewQueue

/// What a task printed, as kept for its result.
struct CapturedOutput: Sendable {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var truncated = false
    /// The last non-empty stdout line, whatever the cap.
    var lastStdoutLine: String?
    /// The last few stderr lines, for error messages.
    var stderrTail: [String] = []
}

/// Reads a child's stdout and stderr on one dedicated thread (`poll` over both pipes), splits
/// them into lines for an ``OutputBatcher`` and keeps up to `cap` bytes of each.
///
/// A dedicated thread, not a cooperative one: reads block, and on 2 cores a blocked
/// cooperative thread starves every other task (see NOTES). The thread ends at EOF on both
/// pipes, or at the deadline set with ``abandon(after:)`` when a process that left the group
/// still holds a pipe open.
final class OutputPump: Sendable {
    static let maxLineBytes = 64 << 10
    static let stderrTailLines = 10

    let done = OneShot<CapturedOutput>()
    private let abandonAt = Mutex<ContinuousClock.Instant?>(nil)

    func abandon(after delay: Duration) {
        abandonAt.withLock { $0 = .now + delay }
    }

    /// Starts the reader thread; it owns and closes both descriptors.
    static func start(stdoutFD: Int32, stderrFD: Int32, cap: Int, batcher: OutputBatcher) -> OutputPump {
        let pump = OutputPump()
        let thread = Thread { pump.loop(stdoutFD: stdoutFD, stderrFD: stderrFD, cap: cap, batcher: batcher) }
        thread.name = "qrew-output"
        thread.stackSize = 256 << 10
        thread.start()
        return pump
    }

    private struct StreamState {
        let fd: Int32
        let stream: OutputLine.Stream
        var open = true
        var partial: [UInt8] = []
    }

    private func loop(stdoutFD: Int32, stderrFD: Int32, cap: Int, batcher: OutputBatcher) {
        var captured = CapturedOutput()
        var streams = [StreamState(fd: stdoutFD, stream: .stdout), StreamState(fd: stderrFD, stream: .stderr)]
        var buffer = [UInt8](repeating: 0, count: 64 << 10)

        func emit(_ bytes: ArraySlice<UInt8>, _ stream: OutputLine.Stream, continues: Bool = false) {
            var line = bytes
            if !continues, line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            let text = String(decoding: line, as: UTF8.self)
            if stream == .stdout {
                if !text.allSatisfy(\.isWhitespace) { captured.lastStdoutLine = text }
            } else {
                captured.stderrTail.append(text)
                if captured.stderrTail.count > Self.stderrTailLines { captured.stderrTail.removeFirst() }
            }
            batcher.append(OutputLine(stream, text, continues: continues))
        }

        func keep(_ bytes: ArraySlice<UInt8>, _ stream: OutputLine.Stream) {
            let have = stream == .stdout ? captured.stdout.count : captured.stderr.count
            let room = max(0, cap - have)
            if bytes.count > room { captured.truncated = true }
            let kept = bytes.prefix(room)
            if stream == .stdout { captured.stdout += kept } else { captured.stderr += kept }
        }

        while streams.contains(where: \.open) {
            if let deadline = abandonAt.withLock({ $0 }), ContinuousClock.now >= deadline { break }
            var fds = streams.filter(\.open).map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 50)
            if ready < 0, errno != EINTR { break }
            guard ready > 0 else { continue }
            for pfd in fds where pfd.revents != 0 {
                let i = streams.firstIndex { $0.fd == pfd.fd }!
                let n = read(pfd.fd, &buffer, buffer.count)
                if n < 0 && (errno == EINTR || errno == EAGAIN) { continue }
                if n <= 0 {
                    streams[i].open = false
                    continue
                }
                let chunk = buffer[0..<n]
                keep(chunk, streams[i].stream)
                streams[i].partial += chunk
                var start = streams[i].partial.startIndex
                while let nl = streams[i].partial[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    emit(streams[i].partial[start..<nl], streams[i].stream)
                    start = nl + 1
                }
                streams[i].partial.removeSubrange(..<start)
                while streams[i].partial.count >= Self.maxLineBytes {
                    emit(streams[i].partial.prefix(Self.maxLineBytes), streams[i].stream, continues: true)
                    streams[i].partial.removeFirst(Self.maxLineBytes)
                }
            }
        }
        for s in streams where !s.partial.isEmpty { emit(s.partial[...], s.stream) }
        close(stdoutFD)
        close(stderrFD)
        done.fulfill(captured)
    }
}
