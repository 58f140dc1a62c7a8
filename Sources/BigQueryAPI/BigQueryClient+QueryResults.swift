extension BigQueryClient {
    /// Reads a finished query job's rows (`jobs.getQueryResults`, page by page, up to `maxRows`) and
    /// its statistics.
    func queryResult(job: JSON, jobID: String, maxRows: Int) async throws -> QueryJobResult {
        var fields: [SchemaField] = []
        var rows: [[String?]] = []
        var totalRows: Int64 = 0
        var pageToken: String?
        var page = JSON.null
        var waits = 0
        let started = ContinuousClock.now
        while true {
            var query: [(String, String)] = [
                ("location", location),
                ("maxResults", String(max(0, maxRows - rows.count))),
                ("formatOptions.useInt64Timestamp", "true"),
            ]
            if let pageToken { query.append(("pageToken", pageToken)) }
            page = try await transport.call(
                HTTPExchange(method: .GET, url: api(["projects", project, "queries", jobID], query: query)), jobID: jobID
            ).json
            if page["jobComplete"].bool == false {
                waits += 1
                if ContinuousClock.now - started > retry.jobTimeout {
                    throw BigQueryError(reason: "timeout", message: "The job's results were not ready in time", jobID: errors.qualified(jobID))
                }
                try await retry.sleep(retry.pollDelay(poll: waits))
                continue
            }
            if fields.isEmpty { fields = SchemaDecoder.fields(page["schema"]) }
            totalRows = page["totalRows"].int64 ?? totalRows
            rows += QueryRowDecoder.rows(page["rows"], fields: fields)
            pageToken = page["pageToken"].string
            if pageToken == nil || rows.count >= maxRows { break }
        }
        if fields.isEmpty { fields = SchemaDecoder.fields(job["statistics"]["query"]["schema"]) }
        let statistics = job["statistics"]
        let queryStatistics = statistics["query"]
        return QueryJobResult(
            jobID: jobID,
            fields: fields,
            rows: Array(rows.prefix(maxRows)),
            totalRows: totalRows,
            totalBytesProcessed: queryStatistics["totalBytesProcessed"].int64 ?? statistics["totalBytesProcessed"].int64
                ?? page["totalBytesProcessed"].int64 ?? 0,
            totalBytesBilled: queryStatistics["totalBytesBilled"].int64 ?? 0,
            cacheHit: queryStatistics["cacheHit"].bool ?? page["cacheHit"].bool ?? false,
            numDMLAffectedRows: queryStatistics["numDmlAffectedRows"].int64 ?? page["numDmlAffectedRows"].int64,
            dmlStats: Self.dmlStats(queryStatistics["dmlStats"])
        )
    }

    /// `dmlStats`, when the job has one (its counts are int64 strings; a missing one is 0).
    private static func dmlStats(_ json: JSON) -> DMLStats? {
        let inserted = json["insertedRowCount"].int64, updated = json["updatedRowCount"].int64, deleted = json["deletedRowCount"].int64
        guard inserted != nil || updated != nil || deleted != nil else { return nil }
        return DMLStats(inserted: inserted ?? 0, updated: updated ?? 0, deleted: deleted ?? 0)
    }
}
