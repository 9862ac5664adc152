import CHiredis

/// Reusable argv storage: all arguments in one flat byte buffer plus lengths, so a command
/// costs no per-argument allocation once the buffers have grown.
struct RedisCommandBuffer {
    private var bytes: [UInt8] = []
    private var lengths: [Int] = []
    private var pointers: [UnsafePointer<CChar>?] = []

    /// Lays out `arguments` and calls `body` with hiredis-style `argc, argv, argvlen`.
    mutating func withArgv<T>(
        _ arguments: [RedisArgument],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> T
    ) -> T {
        bytes.removeAll(keepingCapacity: true)
        lengths.removeAll(keepingCapacity: true)
        for argument in arguments {
            let start = bytes.count
            argument.append(to: &bytes)
            lengths.append(bytes.count - start)
        }
        // A non-empty buffer keeps baseAddress non-nil even when every argument is empty.
        bytes.append(0)
        return bytes.withUnsafeBufferPointer { flat in
            let base = UnsafeRawPointer(flat.baseAddress!).assumingMemoryBound(to: CChar.self)
            pointers.removeAll(keepingCapacity: true)
            var offset = 0
            for length in lengths {
                pointers.append(base + offset)
                offset += length
            }
            return pointers.withUnsafeMutableBufferPointer { argv in
                lengths.withUnsafeBufferPointer { argvlen in
                    body(Int32(arguments.count), argv.baseAddress!, argvlen.baseAddress!)
                }
            }
        }
    }
}
