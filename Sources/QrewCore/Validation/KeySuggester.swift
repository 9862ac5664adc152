/// Finds the closest known name to a misspelt one, for "did you mean ...?" hints.
enum KeySuggester {
    /// The best candidate within a small edit distance of `word`, or `nil` if nothing is close.
    ///
    /// Case, `_` and `-` are ignored first (`depends_on` → `dependsOn`); otherwise the allowed
    /// distance is 1 for short words and up to a third of the length for longer ones.
    static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let normalizedWord = normalize(word)
        let allowed = max(1, min(3, word.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let normalizedCandidate = normalize(candidate)
            if normalizedCandidate == normalizedWord { return candidate }
            let distance = editDistance(Array(normalizedWord), Array(normalizedCandidate), limit: allowed)
            if distance <= allowed, distance < (best?.distance ?? Int.max) {
                best = (candidate, distance)
            }
        }
        return best?.name
    }

    /// `did you mean 'x'?` for the closest candidate, if any.
    static func hint(for word: String, among candidates: some Sequence<String>) -> String? {
        suggestion(for: word, among: candidates).map { "did you mean '\($0)'?" }
    }

    private static func normalize(_ text: String) -> String {
        String(text.lowercased().filter { $0 != "_" && $0 != "-" })
    }

    /// Optimal-string-alignment distance (Levenshtein plus adjacent transpositions, so `biuld`
    /// is one edit from `build`), with an early exit once a whole row exceeds `limit`.
    private static func editDistance(_ lhs: [Character], _ rhs: [Character], limit: Int) -> Int {
        if abs(lhs.count - rhs.count) > limit { return limit + 1 }
        var beforePrevious = [Int](repeating: 0, count: rhs.count + 1)
        var previous = Array(0...rhs.count)
        var current = [Int](repeating: 0, count: rhs.count + 1)
        for i in 0..<lhs.count {
            current[0] = i + 1
            var rowMinimum = current[0]
            for j in 0..<rhs.count {
                let substitution = previous[j] + (lhs[i] == rhs[j] ? 0 : 1)
                var best = min(substitution, previous[j + 1] + 1, current[j] + 1)
                if i > 0, j > 0, lhs[i] == rhs[j - 1], lhs[i - 1] == rhs[j] {
                    best = min(best, beforePrevious[j - 1] + 1)
                }
                current[j + 1] = best
                rowMinimum = min(rowMinimum, best)
            }
            if rowMinimum > limit { return limit + 1 }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        return previous[rhs.count]
    }
}
