/// MinHash signatures of texts, for the result cache's similarity reuse (`cache.similar`).
///
/// A text is lowercased and split into words (runs of letters and digits); its features are the
/// word 3-shingles (every three consecutive words; a text of one or two words is one shingle).
/// The signature holds, for each of `hashCount` seeded 64-bit hashes, the least value over the
/// shingles (kept to 32 bits, so the Lua scripts compare them exactly as doubles). The share of
/// equal positions in two signatures estimates the Jaccard similarity of their shingle sets
/// (standard error about √(J(1−J)/64) ≤ 0.0625).
///
/// Candidates are found with LSH banding: `bandCount` bands of `rowsPerBand` positions; texts
/// whose signatures agree on every position of at least one band share a bucket. With 16 × 4 a
/// pair at J = 0.85 shares a bucket with probability above 0.9999, at J = 0.3 about 0.12; each
/// candidate's estimate is then checked against the threshold.
public struct MinHashSignature: Sendable, Hashable {
    public static let hashCount = 64
    public static let bandCount = 16
    public static let rowsPerBand = hashCount / bandCount

    /// One minimum per hash function, `hashCount` of them.
    public let values: [UInt32]

    /// The signature of `text`, or nil when it has no words (nothing to compare).
    public init?(text: String) {
        let shingles = Self.shingles(of: text)
        guard !shingles.isEmpty else { return nil }
        var minima = [UInt32](repeating: .max, count: Self.hashCount)
        for shingle in shingles {
            let base = Self.fnv1a(shingle)
            for index in 0..<Self.hashCount {
                let value = UInt32(truncatingIfNeeded: Self.mix(base ^ Self.seeds[index]) >> 32)
                if value < minima[index] { minima[index] = value }
            }
        }
        values = minima
    }

    /// A signature from its stored values (e.g. `text` read back).
    public init?(values: [UInt32]) {
        guard values.count == Self.hashCount else { return nil }
        self.values = values
    }

    /// The values comma-separated in decimal, as the scripts store and compare them.
    public var text: String { values.map(String.init).joined(separator: ",") }

    /// The band keys: band number and its rows joined by dots (`"3:17.4021.99.12"`).
    public var bands: [String] {
        (0..<Self.bandCount).map { band in
            let rows = values[band * Self.rowsPerBand..<(band + 1) * Self.rowsPerBand]
            return "\(band):" + rows.map(String.init).joined(separator: ".")
        }
    }

    /// The estimated Jaccard similarity of the two texts' shingle sets, 0...1.
    public func similarity(to other: MinHashSignature) -> Double {
        var equal = 0
        for index in 0..<Self.hashCount where values[index] == other.values[index] { equal += 1 }
        return Double(equal) / Double(Self.hashCount)
    }

    /// The exact Jaccard similarity of two texts' shingle sets (what the signature estimates).
    public static func exactSimilarity(_ first: String, _ second: String) -> Double {
        let a = Set(shingles(of: first)), b = Set(shingles(of: second))
        let union = a.union(b).count
        return union == 0 ? 1 : Double(a.intersection(b).count) / Double(union)
    }

    /// The word 3-shingles of `text` (lowercased words joined by one space).
    public static func shingles(of text: String) -> [String] {
        var words: [String] = []
        var word = ""
        for character in text.lowercased() {
            if character.isLetter || character.isNumber {
                word.append(character)
            } else if !word.isEmpty {
                words.append(word)
                word = ""
            }
        }
        if !word.isEmpty { words.append(word) }
        guard words.count >= 3 else { return words.isEmpty ? [] : [words.joined(separator: " ")] }
        return (0...(words.count - 3)).map { words[$0..<$0 + 3].joined(separator: " ") }
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// SplitMix64's finalizer: spreads every input bit over the output.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// One fixed seed per hash function (the same on every worker: signatures are compared
    /// across machines and releases).
    private static let seeds: [UInt64] = (0..<UInt64(hashCount)).map { mix($0 &* 0x2545_f491_4f6c_dd1d) }
}
