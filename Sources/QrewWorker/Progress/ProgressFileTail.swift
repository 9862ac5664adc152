import Foundation
import QrewCore

/// Reads the lines a task appended to its `QREW_PROGRESS` file since the last read. Lines
/// longer than ``maximumLineBytes`` are skipped whole, an unfinished last line waits for its
/// newline (or the final read), and a file that shrank (rewritten with `>` instead of `>>`) is
/// read again from its start. At most ``maximumReadBytes`` are read per call, so a task writing
/// without pause cannot hold the worker in one read.
struct ProgressFileTail {
    /// Longest line kept.
    static let maximumLineBytes = 4096
    /// Most bytes read per call.
    static let maximumReadBytes = 64 * 1024

    let path: String
    private var offset: UInt64 = 0
    private var partial: [UInt8] = []
    private var skippingLongLine = false

    init(path: String) {
        self.path = path
    }

    /// The progress updates among the new lines; `final` also takes an unfinished last line.
    mutating func read(final: Bool = false) -> [ProgressUpdate] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd() else { return [] }
        if size < offset {
            offset = 0
            partial = []
            skippingLongLine = false
        }
        guard size > offset || (final && !partial.isEmpty) else { return [] }
        var data = Data()
        if size > offset {
            do {
                try handle.seek(toOffset: offset)
                data = try handle.read(upToCount: Self.maximumReadBytes) ?? Data()
            } catch {
                return []
            }
            offset += UInt64(data.count)
        }
        var updates: [ProgressUpdate] = []
        for byte in data {
            if byte == UInt8(ascii: "\n") {
                if !skippingLongLine, let update = parse(partial) { updates.append(update) }
                partial.removeAll(keepingCapacity: true)
                skippingLongLine = false
            } else if !skippingLongLine {
                partial.append(byte)
                if partial.count > Self.maximumLineBytes {
                    partial.removeAll(keepingCapacity: true)
                    skippingLongLine = true
                }
            }
        }
        if final, !skippingLongLine, let update = parse(partial) {
            updates.append(update)
            partial.removeAll()
        }
        return updates
    }

    private func parse(_ bytes: [UInt8]) -> ProgressUpdate? {
        guard !bytes.isEmpty, let line = String(validating: bytes, as: UTF8.self) else { return nil }
        return ProgressUpdate(line: Substring(line))
    }
}
