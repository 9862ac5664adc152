extension Collection<UInt8> where Self: RandomAccessCollection, Index == Int {
    /// Where the first occurrence of `target`'s bytes starts, if anywhere: a plain byte search
    /// (the rule `lib/specs.lua` applies with `string.find(..., 1, true)`; no Unicode rules, unlike
    /// `String.contains`, which goes through Foundation).
    func firstIndex(ofBytes target: some Collection<UInt8>) -> Int? {
        guard let first = target.first, count >= target.count else { return nil }
        var start = startIndex
        while start <= endIndex - target.count {
            if self[start] == first, self[start..<(start + target.count)].elementsEqual(target) { return start }
            start += 1
        }
        return nil
    }
}
