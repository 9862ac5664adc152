#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Collection<UInt8> where Self: RandomAccessCollection, Index == Int {
    /// Where the first occurrence of `target`'s bytes starts, if anywhere: a plain byte search
    /// (the rule `lib/specs.lua` applies with `string.find(..., 1, true)`; no Unicode rules, unlike
    /// `String.contains`, which goes through Foundation). With both sides contiguous, libc's
    /// `memchr` finds each candidate first byte and `memcmp` checks it (a worker searches every
    /// spec it rebuilds from a template: the byte-by-byte loop below took 2% of its instructions
    /// per no-op task).
    func firstIndex(ofBytes target: some Collection<UInt8>) -> Int? {
        guard !target.isEmpty, count >= target.count else { return nil }
        let found: Int?? = withContiguousStorageIfAvailable { haystack in
            target.withContiguousStorageIfAvailable { needle -> Int? in
                guard let base = haystack.baseAddress, let wanted = needle.baseAddress else { return nil }
                var offset = 0
                let last = haystack.count - needle.count
                while offset <= last {
                    guard let hit = memchr(base + offset, Int32(wanted.pointee), last - offset + 1) else { return nil }
                    offset = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
                    // the second byte first: a JSON target starts with `"`, which most keys share
                    if needle.count == 1 || base[offset + 1] == wanted[1], memcmp(base + offset, wanted, needle.count) == 0 {
                        return startIndex + offset
                    }
                    offset += 1
                }
                return nil
            }
        } ?? nil
        if let found { return found }
        var start = startIndex
        while start <= endIndex - target.count {
            if self[start] == target.first, self[start..<(start + target.count)].elementsEqual(target) { return start }
            start += 1
        }
        return nil
    }
}
