import Foundation
import GRDB

/// Jobs: creation with client-made ids (reuse → `409 duplicate`), slow and failing jobs, polling,
/// cancellation, and the job and result resources BigQuery answers with.
extension FakeBigQueryState {
    /// Checks a job id as BigQuery does: letters, digits, `_` and `-`, at most 1,024 characters.
    static func validJobID(_ json: FakeJSON) throws(FakeBigQueryFailure) -> String {
        guard !json["jobReference"].isNull else {
            throw .required("Required parameter is missing: jobReference (Sluice's client must send its own jobId so a retried insert is safe)")
        }
        guard let id = json["jobReference"]["jobId"].string, !id.isEmpty else {
            throw .required("Required parameter is missing: jobReference.jobId")
        }
        guard id.count <= 1024, id.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-") }) else {
            throw .invalid("Invalid job ID \"\(id)\". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.")
        }
        return id
    }

    /// Checks labels as BigQuery does: lower-case keys starting with a letter; keys and values of
    /// lower-case letters, digits, `_` and `-`, at most 63 characters.
    static func validateLabels(_ labels: FakeJSON) throws(FakeBigQueryFailure) {
        guard let members = labels.object else { return }
        func valid(_ text: String) -> Bool {
            text.count <= 63 && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "-" }
        }
        for (key, value) in members {
            guard let first = key.unicodeScalars.first, ("a"..."z").contains(first), valid(key) else {
                throw .invalid("Invalid label key: \(key). Label keys must start with a lowercase letter and contain only lowercase letters, numeric characters, underscores and dashes, at most 63 characters.")
            }
            guard let text = value.string, valid(text) else {
                throw .invalid("Invalid label value: \(value.string ?? value.text) for key \(key). Label values contain only lowercase letters, numeric characters, underscores and dashes, at most 63 characters.")
            }
        }
    }

    /// Registers a job and runs it now, or leaves it RUNNING for a slow fault.
    mutating func createJob(id: String, configuration: FakeJSON, work: FakeJobWork, fault: FakeFault?) -> FakeJob {
        var job = FakeJob(id: id, configuration: configuration, created: nowMillis, pollsLeft: 0, pending: work)
        jobOrder.append(id)
        switch fault {
        case let .jobFails(reason, message):
            job.pending = nil
            job.outcome = FakeJobOutcome(failure: FakeBigQueryFailure(code: reason == "backendError" ? 500 : 400, reason: reason, message: message))
        case let .slow(polls):
            job.pollsLeft = polls
        default:
            job = finish(job)
        }
        jobs[id] = job
        return job
    }

    /// Runs a job's pending work.
    private mutating func finish(_ job: FakeJob) -> FakeJob {
        var job = job
        switch job.pending {
        case let .query(configuration):
            job.outcome = runQuery(configuration, dryRun: false)
        case let .load(configuration, data):
            job.outcome = runLoad(configuration, data: data)
        case nil:
            break
        }
        job.pending = nil
        return job
    }

    /// One poll of a job: a slow job answers RUNNING until its polls are used up, then runs.
    mutating func poll(_ id: String) throws(FakeBigQueryFailure) -> FakeJob {
        guard var job = jobs[id] else { throw .notFound("Job \(project):\(location).\(id)") }
        if job.pending != nil {
            if job.pollsLeft > 0 {
                job.pollsLeft -= 1
            } else {
                job = finish(job)
            }
            jobs[id] = job
        }
        return job
    }

    /// Cancels a running job (it then fails with `stopped`); a finished job stays as it was.
    mutating func cancel(_ id: String) throws(FakeBigQueryFailure) -> FakeJob {
        guard var job = jobs[id] else { throw .notFound("Job \(project):\(location).\(id)") }
        if job.pending != nil {
            job.pending = nil
            job.outcome = FakeJobOutcome(failure: FakeBigQueryFailure(
                code: 400, reason: "stopped", message: "Job execution was cancelled: User requested cancellation"))
            jobs[id] = job
        }
        return job
    }

    func jobReference(_ id: String?) -> FakeJSON {
        var reference: [String: FakeJSON] = ["projectId": .string(project), "location": .string(location)]
        if let id { reference["jobId"] = .string(id) }
        return .object(reference)
    }

    /// The job resource of `jobs.insert` / `jobs.get`.
    func jobResource(_ job: FakeJob) -> FakeJSON {
        var configuration = job.configuration.object ?? [:]
        configuration["jobType"] = .string(job.type)
        var status: [String: FakeJSON] = ["state": job.isDone ? "DONE" : "RUNNING"]
        var statistics: [String: FakeJSON] = ["creationTime": .int64(job.created), "startTime": .int64(job.created)]
        if let outcome = job.outcome, job.isDone {
            statistics["endTime"] = .int64(job.created + 1)
            if let failure = outcome.failure {
                status["errorResult"] = failure.errorProto
                status["errors"] = .array([failure.errorProto] + failure.details.map {
                    FakeJSON.object(["reason": .string(failure.reason), "message": .string($0), "location": "", "domain": "global"])
                })
            } else if job.type == "LOAD" {
                statistics["load"] = [
                    "inputFiles": "1", "inputFileBytes": .int64(outcome.inputBytes ?? 0), "outputRows": .int64(outcome.outputRows ?? 0),
                    "outputBytes": .int64(outcome.inputBytes ?? 0), "badRecords": "0",
                ]
            } else {
                statistics["totalBytesProcessed"] = .int64(outcome.bytesProcessed)
                statistics["query"] = queryStatistics(outcome)
            }
        }
        return [
            "kind": "bigquery#job", "etag": "fake", "id": .string("\(project):\(location).\(job.id)"),
            "selfLink": .string("\(baseURL)/bigquery/v2/projects/\(project)/jobs/\(job.id)?location=\(location)"),
            "user_email": "sluice@fake.iam.gserviceaccount.com",
            "jobReference": jobReference(job.id), "configuration": .object(configuration),
            "status": .object(status), "statistics": .object(statistics), "principal_subject": "serviceAccount:sluice@fake",
        ]
    }

    func queryStatistics(_ outcome: FakeJobOutcome) -> FakeJSON {
        var query: [String: FakeJSON] = [
            "totalBytesProcessed": .int64(outcome.bytesProcessed), "totalBytesBilled": .int64(outcome.bytesBilled),
            "cacheHit": .bool(outcome.cacheHit), "billingTier": 1,
            "referencedTables": .array(outcome.referenced.map { key in
                let parts = key.split(separator: ".", maxSplits: 1).map(String.init)
                return ["projectId": .string(project), "datasetId": .string(parts[0]), "tableId": .string(parts.count > 1 ? parts[1] : "")]
            }),
        ]
        if let type = outcome.statementType { query["statementType"] = .string(type) }
        if !outcome.fields.isEmpty { query["schema"] = ["fields": .array(outcome.fields.map(\.json))] }
        if let affected = outcome.affectedRows { query["numDmlAffectedRows"] = .int64(affected) }
        if outcome.inserted != nil || outcome.updated != nil || outcome.deleted != nil {
            query["dmlStats"] = [
                "insertedRowCount": .int64(outcome.inserted ?? 0), "updatedRowCount": .int64(outcome.updated ?? 0),
                "deletedRowCount": .int64(outcome.deleted ?? 0),
            ]
        }
        return .object(query)
    }

    /// A page of results (`getQueryResults` and `jobs.query`).
    func resultsPage(_ job: FakeJob, query parameters: [String: String], kind: String) -> FakeHTTPReply {
        guard job.isDone, let outcome = job.outcome else {
            return FakeHTTPReply(json: ["kind": .string(kind), "jobReference": jobReference(job.id), "jobComplete": false])
        }
        if let failure = outcome.failure { return FakeHTTPReply(failure) }
        let start = Int(parameters["pageToken"] ?? parameters["startIndex"] ?? "0") ?? 0
        let size = Int(parameters["maxResults"] ?? "") ?? outcome.rows.count
        let end = min(outcome.rows.count, start + max(size, 0))
        let int64Timestamps = ["true", "True", "1"].contains(parameters["formatOptions.useInt64Timestamp"] ?? "")
        let rows: [FakeJSON] = start < end ? outcome.rows[start..<end].map { row in
            ["f": .array(zip(row, outcome.fields).map { value, field in
                let cell = FakeBigQueryValues.restCell(value, type: field.type, int64Timestamps: int64Timestamps)
                return ["v": cell.map(FakeJSON.string) ?? .null]
            })]
        } : []
        var body: [String: FakeJSON] = [
            "kind": .string(kind), "etag": "fake", "jobReference": jobReference(job.id), "jobComplete": true,
            "totalRows": .int64(Int64(outcome.rows.count)), "totalBytesProcessed": .int64(outcome.bytesProcessed),
            "cacheHit": .bool(outcome.cacheHit), "schema": ["fields": .array(outcome.fields.map(\.json))],
        ]
        if !rows.isEmpty { body["rows"] = .array(rows) }
        if end < outcome.rows.count { body["pageToken"] = .string(String(end)) }
        if let affected = outcome.affectedRows { body["numDmlAffectedRows"] = .int64(affected) }
        return FakeHTTPReply(json: .object(body))
    }

    /// What tests see of every finished job.
    var summaries: [FakeJobSummary] {
        jobOrder.compactMap { jobs[$0] }.map(Self.summary)
    }

    static func summary(_ job: FakeJob) -> FakeJobSummary {
        let configuration = job.configuration
        let query = configuration["query"]
        let destination = job.type == "LOAD" ? configuration["load"]["destinationTable"] : query["destinationTable"]
        let labels = (configuration["labels"].object ?? [:]).compactMapValues(\.string)
        return FakeJobSummary(
            jobID: job.id, type: job.type, dryRun: configuration["dryRun"].bool ?? false, sql: query["query"].string,
            labels: labels, maximumBytesBilled: query["maximumBytesBilled"].int64, statementType: job.outcome?.statementType,
            destination: destination.isNull ? nil : "\(destination["datasetId"].string ?? "").\(destination["tableId"].string ?? "")",
            bytesProcessed: job.outcome?.bytesProcessed ?? 0, bytesBilled: job.outcome?.bytesBilled ?? 0,
            errorReason: job.outcome?.failure?.reason)
    }
}
