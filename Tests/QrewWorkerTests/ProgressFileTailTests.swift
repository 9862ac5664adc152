import Foundation
import QrewCore
import Testing
@testable import QrewWorker

/// Reading a task's `QREW_PROGRESS` file as it grows.
struct ProgressFileTailTests {
    private func append(_ text: String, to path: String) throws {
        if let handle = FileHandle(forWritingAtPath: path) {
            defer { try? handle.close() }
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(text.utf8))
        } else {
            try text.write(toFile: path, atomically: false, encoding: .utf8)
        }
    }

    @Test func readsNewCompleteLinesAndKeepsAPartialOneForLater() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-progress-test-\(UUID().uuidString)").path
        defer { unlink(path) }
        var tail = ProgressFileTail(path: path)
        #expect(tail.read().isEmpty, "no file yet")
        try append("10% one\n\n20", to: path)
        #expect(tail.read() == [ProgressUpdate(percent: 10, message: "one")])
        try append("% two\n", to: path)
        #expect(tail.read() == [ProgressUpdate(percent: 20, message: "two")])
        #expect(tail.read().isEmpty)
        try append("last words", to: path)
        #expect(tail.read().isEmpty)
        #expect(tail.read(final: true) == [ProgressUpdate(message: "last words")])
    }

    @Test func skipsOverlongLinesWholeAndRestartsAFileThatShrank() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("qrew-progress-test-\(UUID().uuidString)").path
        defer { unlink(path) }
        var tail = ProgressFileTail(path: path)
        let long = String(repeating: "x", count: ProgressFileTail.maximumLineBytes + 10)
        try append("\(long)\n30%\n", to: path)
        #expect(tail.read() == [ProgressUpdate(percent: 30)])
        // Rewritten with `>`: shorter than what was read, so read from the start again.
        try "5%\n".write(toFile: path, atomically: false, encoding: .utf8)
        #expect(tail.read() == [ProgressUpdate(percent: 5)])
    }
}
