/// Suggestions for a mistyped name: the known names closest to it by edit distance.
public enum NearestName {
    /// Up to `limit` names from `candidates` close enough to `name` to be a likely typo: those at the
    /// smallest edit distance found, in the candidates' order. Comparison ignores case, counts a swap of two neighbouring
    /// characters as one edit, and also matches the last component of a dotted or slashed candidate
    /// (`orders` suggests `raw.orders`, `London` suggests `Europe/London`). `name` itself is never suggested.
    public static func suggestions(for name: String, in candidates: [String], limit: Int = 3) -> [String] {
        guard limit > 0, !name.isEmpty else { return [] }
        // The edit distance is at least the difference in length: a name longer than every candidate
        // by more than the threshold has no suggestion, so a huge input costs nothing to refuse.
        let longest = candidates.map(\.count).max() ?? 0
        guard name.utf8.count <= 4 * (2 * longest + 4) else { return [] }
        let query = Array(name.lowercased())
        let threshold = max(1, (query.count + 2) / 3)
        guard query.count - longest <= threshold else { return [] }
        var seen: Set<String> = []
        var scored: [(distance: Int, order: Int, name: String)] = []
        for (order, candidate) in candidates.enumerated() where candidate != name && !seen.contains(candidate) {
            seen.insert(candidate)
            let lowered = candidate.lowercased()
            var distance = editDistance(query, Array(lowered))
            if let separator = lowered.lastIndex(where: { $0 == "." || $0 == "/" }) {
                let last = Array(lowered[lowered.index(after: separator)...])
                distance = min(distance, editDistance(query, last) + 1)
            }
            if distance <= threshold {
                scored.append((distance, order, candidate))
            }
        }
        guard let best = scored.map(\.distance).min() else { return [] }
        return scored
            .filter { $0.distance == best }
            .sorted { $0.order < $1.order }
            .prefix(limit)
            .map(\.name)
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previousPrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, previousPrevious[j - 2] + 1)
                }
                current[j] = best
            }
            (previousPrevious, previous, current) = (previous, current, previousPrevious)
        }
        return previous[b.count]
    }
}
