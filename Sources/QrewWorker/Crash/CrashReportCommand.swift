import QrewQueue

/// The bytes of a `record_crash` call (`EVAL <script> 0 <prefix> <worker> <signal> <ref> <token>
/// ...`, docs/protocol.md), in parts built ahead of time: a signal handler may not allocate or
/// format strings, only write bytes it already has. The handler writes the array header and the
/// signal (digits formatted on its stack), the constant `head`, and the `blamed` pairs of the
/// tasks it blames. Inline EVAL, not EVALSHA: a flushed script cache cannot fail it.
enum CrashReportCommand {
    /// Arguments before the ref/token pairs: EVAL, the script, 0 keys, prefix, worker, signal.
    static let fixedArguments = 6

    /// EVAL, the script, `0`, the prefix and the worker name, as RESP bulk strings.
    static func head(script: String, prefix: String, worker: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for argument in ["EVAL", script, "0", prefix, worker] { appendBulk(Array(argument.utf8), to: &bytes) }
        return bytes
    }

    /// The ref and token of each task, as RESP bulk strings.
    static func blamed(_ tasks: some Sequence<(ref: TaskRef, token: String)>) -> [UInt8] {
        var bytes: [UInt8] = []
        for task in tasks {
            appendBulk(Array(task.ref.description.utf8), to: &bytes)
            appendBulk(Array(task.token.utf8), to: &bytes)
        }
        return bytes
    }

    /// The whole command as the handler writes it, for `count` blamed tasks: what tests compare.
    static func whole(head: [UInt8], signal: Int32, blamed: [UInt8], count: Int) -> [UInt8] {
        var bytes = Array("*\(fixedArguments + 2 * count)\r\n".utf8) + head
        appendBulk(Array(String(signal).utf8), to: &bytes)
        return bytes + blamed
    }

    /// `$<length>\r\n<bytes>\r\n`.
    static func appendBulk(_ argument: [UInt8], to bytes: inout [UInt8]) {
        bytes += Array("$\(argument.count)\r\n".utf8)
        bytes += argument
        bytes += [13, 10]
    }
}
