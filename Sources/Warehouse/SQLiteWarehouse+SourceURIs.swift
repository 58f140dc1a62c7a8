import SluiceCore

extension SQLiteWarehouse {
    /// Not supported: SQLite cannot read Cloud Storage, so the caller downloads the objects and
    /// loads their rows with `load(_:rows:)`.
    public nonisolated func load(_ request: LoadRequest, from objects: SourceURIs) async throws -> LoadResult? { nil }
}
