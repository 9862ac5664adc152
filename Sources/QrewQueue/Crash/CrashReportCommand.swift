import QrewCore

/// The bytes of a `record_crash` (or `record_intake_crash`) call (`EVAL <script> 0 <prefix> <name> <signal> <item> <detail>
/// ...`, docs/protocol.md), in parts built ahead of time: a signal handler may not allocate or
/// format strings, only write bytes it already has. The handler writes the array header and the
/// signal (digits formatted on its stack), the constant `head`, and the `blamed` pairs of the
/// tasks it blames. Inline EVAL, not EVALSHA: a flushed script cache cannot fail it.
package enum CrashReportCommand {
    /// Arguments before the ref/token pairs: EVAL, the script, 0 keys, prefix, name, signal.
    package static let fixedArguments = 6

    /// EVAL, the script, `0`, the prefix and the worker's or coordinator's name, as RESP bulk strings.
    package static func head(script: String, prefix: String, name: String) -> [UInt8] {
        var bytes: [UInt8] = []
        for argument in ["EVAL", script, "0", prefix, name] { appendBulk(Array(argument.utf8), to: &bytes) }
        return bytes
    }

    /// Each blamed item and its detail as RESP bulk strings: a task's ref and lease token
    /// (`record_crash`), or a submission's entry id and the intake's nonce (`record_intake_crash`).
    package static func blamed(_ items: some Collection<(String, String)>) -> [UInt8] {
        var bytes: [UInt8] = []
        // `$<length>\r\n` and `\r\n` around each: a worker does this for every task it claims, so
        // the array is sized once (lengths up to 9,999 bytes fit the estimate)
        bytes.reserveCapacity(items.reduce(0) { $0 + $1.0.utf8.count + $1.1.utf8.count + 2 * 9 })
        for (item, detail) in items {
            appendBulk(item.utf8, to: &bytes)
            appendBulk(detail.utf8, to: &bytes)
        }
        return bytes
    }

    /// The whole command as the handler writes it, for `count` blamed tasks: what tests compare.
    package static func whole(head: [UInt8], signal: Int32, blamed: [UInt8], count: Int) -> [UInt8] {
        var bytes = Array("*\(fixedArguments + 2 * count)\r\n".utf8) + head
        appendBulk(Array(String(signal).utf8), to: &bytes)
        return bytes + blamed
    }

    /// `$<length>\r\n<bytes>\r\n`, written in place (a worker does it for every task it claims).
    package static func appendBulk(_ argument: some Collection<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "$"))
        bytes.appendDecimal(argument.count)
        bytes.append(13)
        bytes.append(10)
        bytes.append(contentsOf: argument)
        bytes.append(13)
        bytes.append(10)
    }
}
