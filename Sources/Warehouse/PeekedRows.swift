import SluiceCore

/// A row source whose first row is read ahead, so that a load can tell an empty source before it
/// sends anything; the rows then come out as the base gives them, the first one included.
final class PeekedRows: RowSource {
    private let base: any RowSource
    private var ahead: [Value]?

    /// Reads the first row of `base` (throwing as it throws).
    init(_ base: any RowSource) throws {
        self.base = base
        ahead = try base.nextRow()
    }

    /// True when the source has no row at all.
    var isEmpty: Bool { ahead == nil && !started }
    private var started = false

    func nextRow() throws -> [Value]? {
        if !started {
            started = true
            if let first = ahead {
                ahead = nil
                return first
            }
            return nil
        }
        return try base.nextRow()
    }
}
