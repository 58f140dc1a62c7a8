import SluiceCore

extension BigQueryWarehouse {
    /// Loads the objects with load jobs that read `sourceUris` from Cloud Storage; see
    /// `BigQuerySourceURIsLoader` for each write mode and for backfills.
    public func load(_ request: LoadRequest, from objects: SourceURIs) async throws -> LoadResult? {
        try await BigQuerySourceURIsLoader(client: client, cost: cost, request: request, objects: objects).load()
    }
}
