/// One heap block of preformatted command bytes that the crash signal handler reads with plain
/// loads, no lock and no Swift runtime call: `[count][length][capacity][bytes...]`, where
/// `count` is how many tasks the bytes blame.
///
/// Whoever fills a block must not do so while a handler may read it: ``CrashReporter`` fills
/// only the block that is not published, and a ``CrashAttribution`` block is filled once before
/// anyone can see it.
package struct CrashReportBlock: @unchecked Sendable {
    private static let headerSize = 3 * MemoryLayout<Int>.stride

    /// The block's address: what the handler's atomic holds.
    package let raw: UnsafeMutableRawPointer

    package init(raw: UnsafeMutableRawPointer) {
        self.raw = raw
    }

    /// A block that holds up to `capacity` bytes (it blames nobody yet).
    package static func allocate(capacity: Int) -> CrashReportBlock {
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: headerSize + max(capacity, 1), alignment: MemoryLayout<Int>.alignment)
        raw.storeBytes(of: 0, as: Int.self)
        raw.storeBytes(of: 0, toByteOffset: MemoryLayout<Int>.stride, as: Int.self)
        raw.storeBytes(of: capacity, toByteOffset: 2 * MemoryLayout<Int>.stride, as: Int.self)
        return CrashReportBlock(raw: raw)
    }

    /// A block holding `bytes`, which blame `count` tasks.
    package static func make(_ bytes: [UInt8], count: Int) -> CrashReportBlock {
        let block = allocate(capacity: bytes.count)
        block.fill(bytes, count: count)
        return block
    }

    /// Tasks the bytes blame.
    package var count: Int { raw.load(as: Int.self) }

    /// Bytes the block can hold.
    package var capacity: Int { raw.load(fromByteOffset: 2 * MemoryLayout<Int>.stride, as: Int.self) }

    /// The command bytes.
    package var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(
            start: raw + Self.headerSize, count: raw.load(fromByteOffset: MemoryLayout<Int>.stride, as: Int.self))
    }

    /// Replaces the contents; `bytes` must fit the capacity.
    package func fill(_ bytes: [UInt8], count: Int) {
        fill(parts: CollectionOfOne(bytes), count: count)
    }

    /// Replaces the contents with `parts` one after the other (copied straight in, no
    /// intermediate array); they must fit the capacity.
    package func fill(parts: some Collection<[UInt8]>, count: Int) {
        var length = 0
        for part in parts {
            precondition(length + part.count <= capacity, "crash report block too small")
            part.withUnsafeBytes { source in
                guard let base = source.baseAddress else { return }
                (raw + Self.headerSize + length).copyMemory(from: base, byteCount: source.count)
            }
            length += part.count
        }
        raw.storeBytes(of: length, toByteOffset: MemoryLayout<Int>.stride, as: Int.self)
        raw.storeBytes(of: count, as: Int.self)
    }

    /// Replaces the contents with `other`'s bytes followed by `bytes`, blaming `count` tasks in
    /// all; they must fit the capacity.
    package func fill(copying other: CrashReportBlock, appending bytes: [UInt8], count: Int) {
        let first = other.bytes
        precondition(first.count + bytes.count <= capacity, "crash report block too small")
        if let base = first.baseAddress { (raw + Self.headerSize).copyMemory(from: base, byteCount: first.count) }
        bytes.withUnsafeBytes { source in
            guard let base = source.baseAddress else { return }
            (raw + Self.headerSize + first.count).copyMemory(from: base, byteCount: source.count)
        }
        raw.storeBytes(of: first.count + bytes.count, toByteOffset: MemoryLayout<Int>.stride, as: Int.self)
        raw.storeBytes(of: count, as: Int.self)
    }

    package func deallocate() {
        raw.deallocate()
    }
}
