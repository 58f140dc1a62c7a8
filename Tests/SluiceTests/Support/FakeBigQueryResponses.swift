import Foundation

/// A reply of the fake's handler.
struct FakeWireReply: Sendable {
    var status = 200
    var headers = ["content-type": "application/json; charset=UTF-8"]
    var body: [UInt8] = []

    init(_ json: [String: Any]) {
        body = Array((try? JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])) ?? Data())
    }

    init(status: Int, headers: [String: String]) {
        self.status = status
        self.headers = headers
    }

    init(_ error: FakeError) {
        self.init(error.body)
        status = error.code
    }
}

// What the fake answers with: BigQuery's dataset, table and job resources, and pages of query
// results.
extension FakeBigQueryState {
    /// A dataset resource, as `datasets.insert` and `datasets.get` return it.
    func dataset(_ id: String) -> [String: Any] {
        ["kind": "bigquery#dataset", "id": "\(project):\(id)", "location": location,
         "datasetReference": ["projectId": project, "datasetId": id]]
    }

    /// A table resource, as `tables.get` returns it.
    func table(_ dataset: String, _ name: String, _ table: FakeTable) -> [String: Any] {
        var resource: [String: Any] = [
            "kind": "bigquery#table", "id": "\(project):\(dataset).\(name)", "type": table.kind, "location": location,
            "tableReference": ["projectId": project, "datasetId": dataset, "tableId": name],
            "schema": ["fields": table.fields.map { ["name": $0.name, "type": $0.type, "mode": $0.mode] }],
            "numRows": String(table.numRows), "numBytes": String(table.numBytes),
            "creationTime": String(table.created), "lastModifiedTime": String(table.lastModified),
        ]
        if let field = table.partitionField { resource["timePartitioning"] = ["type": "DAY", "field": field] }
        if let expiration = table.expirationTime { resource["expirationTime"] = String(expiration) }
        return resource
    }

    /// A job resource, as `jobs.insert`, `jobs.get` and `jobs.cancel` return it (a dry run's has no job id).
    func resource(_ job: FakeJob, dryRun: Bool = false) -> [String: Any] {
        var configuration = ((try? JSONSerialization.jsonObject(with: Data(job.body))) as? [String: Any])?["configuration"] as? [String: Any] ?? [:]
        configuration["jobType"] = job.type
        var reference: [String: Any] = ["projectId": project, "location": location]
        if !dryRun { reference["jobId"] = job.id }
        var status: [String: Any] = ["state": job.pollsLeft > 0 ? "RUNNING" : "DONE"]
        var statistics: [String: Any] = ["creationTime": String(job.created), "startTime": String(job.created)]
        if job.pollsLeft == 0 {
            statistics["endTime"] = String(job.created + 1)
            if let error = job.error {
                status["errorResult"] = error.proto
                status["errors"] = [error.proto]
            } else if job.type == "LOAD" {
                statistics["load"] = [
                    "inputFiles": "1", "inputFileBytes": String(job.data.count), "outputRows": String(job.outputRows),
                    "outputBytes": String(job.data.count), "badRecords": "0",
                ]
            } else {
                var query: [String: Any] = [
                    "totalBytesProcessed": String(job.bytesProcessed), "totalBytesBilled": String(job.bytesBilled), "cacheHit": false,
                    "schema": ["fields": job.answer.fields.map { ["name": $0.name, "type": $0.type, "mode": $0.mode] }],
                ]
                if let affected = job.answer.affectedRows { query["numDmlAffectedRows"] = String(affected) }
                statistics["query"] = query
                statistics["totalBytesProcessed"] = String(job.bytesProcessed)
            }
        }
        return [
            "kind": "bigquery#job", "id": "\(project):\(location).\(job.id)", "jobReference": reference,
            "selfLink": "\(baseURL)/bigquery/v2/projects/\(project)/jobs/\(job.id)?location=\(location)",
            "configuration": configuration, "status": status, "statistics": statistics, "user_email": "sluice@fake.iam.gserviceaccount.com",
        ]
    }

    /// A page of `jobs.getQueryResults`: `maxResults` rows from `pageToken` (or `startIndex`).
    mutating func results(_ id: String, _ parameters: [String: String]) throws -> FakeWireReply {
        let job = try poll(id)
        guard job.type == "QUERY" else { throw FakeError.invalid("Job \(project):\(location).\(id) is not a query job") }
        let reference: [String: Any] = ["projectId": project, "jobId": id, "location": location]
        if job.pollsLeft > 0 { return FakeWireReply(["kind": "bigquery#getQueryResultsResponse", "jobReference": reference, "jobComplete": false]) }
        if let error = job.error { throw error }
        let all = job.answer.rows
        let start = min(all.count, max(0, Int(parameters["pageToken"] ?? parameters["startIndex"] ?? "0") ?? 0))
        let end = min(all.count, start + max(0, Int(parameters["maxResults"] ?? "") ?? all.count))
        var page: [String: Any] = [
            "kind": "bigquery#getQueryResultsResponse", "jobReference": reference, "jobComplete": true, "cacheHit": false,
            "totalRows": String(all.count), "totalBytesProcessed": String(job.bytesProcessed),
            "schema": ["fields": job.answer.fields.map { ["name": $0.name, "type": $0.type, "mode": $0.mode] }],
        ]
        if start < end { page["rows"] = all[start..<end].map { row in ["f": row.map { ["v": $0 ?? NSNull()] as [String: Any] }] } }
        if end < all.count { page["pageToken"] = String(end) }
        if let affected = job.answer.affectedRows { page["numDmlAffectedRows"] = String(affected) }
        return FakeWireReply(page)
    }
}
