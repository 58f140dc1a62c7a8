import Foundation

/// A request as the fake's handler sees it: the path split into decoded segments.
struct FakeWireRequest: Sendable {
    var method: String
    var path: [String]
    var query: [String: String]
    var headers: [String: String]
    var body: [UInt8]
}

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

/// The parts of a job body the fake reads; everything else is ignored, as BigQuery ignores what
/// it does not need.
struct FakeJobBody: Decodable, Sendable {
    struct Reference: Decodable, Sendable { var jobId: String? }
    struct Table: Decodable, Sendable { var projectId: String?, datasetId: String?, tableId: String? }
    struct Partitioning: Decodable, Sendable { var field: String? }
    struct Schema: Decodable, Sendable { var fields: [FakeField]? }
    /// An int64, which the REST API takes as a string or a number.
    struct Int64Text: Decodable, Sendable {
        var value: Int64
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self), let value = Int64(text) { self.value = value } else { value = try container.decode(Int64.self) }
        }
    }
    struct Query: Decodable, Sendable {
        var query: String?, useLegacySql: Bool?, destinationTable: Table?, writeDisposition: String?, createDisposition: String?
        var maximumBytesBilled: Int64Text?, timePartitioning: Partitioning?
    }
    struct Load: Decodable, Sendable {
        var sourceFormat: String?, destinationTable: Table?, schema: Schema?, writeDisposition: String?, createDisposition: String?
        var timePartitioning: Partitioning?, ignoreUnknownValues: Bool?
    }
    struct Configuration: Decodable, Sendable { var query: Query?, load: Load?, labels: [String: String]?, dryRun: Bool? }
    var jobReference: Reference?
    var configuration: Configuration?
}

/// The part of a `datasets.insert` body the fake reads.
struct FakeDatasetBody: Decodable, Sendable {
    struct Reference: Decodable, Sendable { var datasetId: String? }
    var datasetReference: Reference?
}

/// Everything the fake knows, behind the mutex in `FakeBigQuery`; requests are handled one at a time.
struct FakeBigQueryState {
    let project: String
    let location: String
    let now: @Sendable () -> Date
    var baseURL = ""
    var allowsDatasetCreation = true
    var datasets: Set<String> = []
    var tables: [String: FakeTable] = [:]
    var jobs: [String: FakeJob] = [:]
    var jobOrder: [String] = []
    var dryRuns: [FakeJob] = []
    var sessions: [String: (body: [UInt8], received: [UInt8])] = [:]
    var sessionCount = 0
    var faults: [(operation: FakeOperation?, remaining: Int, fault: FakeFault)] = []
    var answers: [@Sendable (String) -> FakeAnswer?] = []
    var recorded: [FakeRequest] = []

    init(project: String, location: String, now: @escaping @Sendable () -> Date) {
        self.project = project
        self.location = location
        self.now = now
    }

    var nowMillis: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: Routing, recording, faults

    static func operation(_ request: FakeWireRequest) -> FakeOperation {
        let path = request.path
        if path.count == 6, path[0] == "upload", path[1...3] == ["bigquery", "v2", "projects"], path[5] == "jobs" {
            switch (request.method, request.query["uploadType"]) {
            case ("POST", "multipart"): return .uploadMultipart
            case ("POST", "resumable"): return .uploadResumableStart
            case ("PUT", "resumable"): return .uploadResumableChunk
            default: return .unknown
            }
        }
        guard path.count >= 5, path[0...2] == ["bigquery", "v2", "projects"] else { return .unknown }
        switch (request.method, Array(path[4...]).enumerated().map { $0.offset % 2 == 0 ? $0.element : "*" }) {
        case ("POST", ["datasets"]): return .datasetsInsert
        case ("GET", ["datasets", "*"]): return .datasetsGet
        case ("GET", ["datasets", "*", "tables", "*"]): return .tablesGet
        case ("DELETE", ["datasets", "*", "tables", "*"]): return .tablesDelete
        case ("POST", ["jobs"]): return .jobsInsert
        case ("GET", ["jobs", "*"]): return .jobsGet
        case ("POST", ["jobs", "*", "cancel"]): return .jobsCancel
        case ("GET", ["queries", "*"]): return .getQueryResults
        default: return .unknown
        }
    }

    mutating func handle(_ request: FakeWireRequest) -> FakeWireReply {
        let operation = Self.operation(request)
        let multipart = operation == .uploadMultipart ? try? Self.multipart(request.headers["content-type"], request.body) : nil
        let json = multipart?.metadata ?? (operation == .uploadResumableChunk ? [] : request.body)
        let dryRun = (try? JSONDecoder().decode(FakeJobBody.self, from: Data(json)))?.configuration?.dryRun == true
        let finalChunk = operation == .uploadResumableChunk && request.headers["content-range"]?.hasSuffix("/*") == false
        let createsJob = (operation == .jobsInsert && !dryRun) || operation == .uploadMultipart || finalChunk
        let fault = takeFault(operation, createsJob: createsJob)
        let reply: FakeWireReply
        if case let .http(status, reason, message) = fault {
            reply = FakeWireReply(FakeError(code: status, reason: reason, message: message))
        } else {
            do {
                let named = operation == .unknown ? project : request.path[request.path[0] == "upload" ? 4 : 3]
                guard named == project else { throw FakeError.notFound("Project \(named)") }
                reply = try dispatch(operation, request, fault: fault)
            } catch let error as FakeError {
                reply = FakeWireReply(error)
            } catch {
                reply = FakeWireReply(.invalid("Invalid JSON payload received: \(error)"))
            }
        }
        recorded.append(FakeRequest(
            method: request.method, path: "/" + request.path.joined(separator: "/"), query: request.query, headers: request.headers,
            operation: operation, jsonBody: json, status: reply.status))
        return reply
    }

    private mutating func takeFault(_ operation: FakeOperation, createsJob: Bool) -> FakeFault? {
        guard let index = faults.firstIndex(where: { rule in
            guard rule.remaining > 0, rule.operation == nil || rule.operation == operation else { return false }
            if case .http = rule.fault { return true }
            return createsJob
        }) else { return nil }
        faults[index].remaining -= 1
        return faults[index].fault
    }

    private mutating func dispatch(_ operation: FakeOperation, _ request: FakeWireRequest, fault: FakeFault?) throws -> FakeWireReply {
        let path = request.path
        switch operation {
        case .datasetsInsert:
            guard let id = try JSONDecoder().decode(FakeDatasetBody.self, from: Data(request.body)).datasetReference?.datasetId else {
                throw FakeError.required("Required parameter is missing: datasetReference.datasetId")
            }
            guard !id.isEmpty, id.count <= 1024, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
                throw FakeError.invalid("Invalid dataset ID \"\(id)\". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.")
            }
            guard allowsDatasetCreation else {
                throw FakeError(
                    code: 403, reason: "accessDenied",
                    message: "Access Denied: Project \(project): User does not have bigquery.datasets.create permission in project \(project).")
            }
            guard datasets.insert(id).inserted else { throw FakeError.duplicate("Dataset \(project):\(id)") }
            return FakeWireReply(dataset(id))
        case .datasetsGet:
            try requireDataset(path[5])
            return FakeWireReply(dataset(path[5]))
        case .tablesGet:
            return FakeWireReply(table(path[5], path[7], try requireTable(path[5], path[7])))
        case .tablesDelete:
            _ = try requireTable(path[5], path[7])
            tables["\(path[5]).\(path[7])"] = nil
            return FakeWireReply(status: 204, headers: [:])
        case .jobsInsert:
            return try insertQueryJob(request.body, fault: fault)
        case .jobsGet:
            return FakeWireReply(resource(try poll(path[5])))
        case .jobsCancel:
            guard var job = jobs[path[5]] else { throw FakeError.notFound("Job \(project):\(location).\(path[5])") }
            if job.pollsLeft > 0 {
                job.pollsLeft = 0
                job.error = FakeError(code: 400, reason: "stopped", message: "Job execution was cancelled: User requested cancellation")
                jobs[job.id] = job
            }
            return FakeWireReply(["kind": "bigquery#jobCancelResponse", "job": resource(job)])
        case .getQueryResults:
            return try results(path[5], request.query)
        case .uploadMultipart:
            let parts = try Self.multipart(request.headers["content-type"], request.body)
            return try insertLoadJob(parts.metadata, data: parts.media, fault: fault)
        case .uploadResumableStart:
            _ = try loadJob(request.body)
            sessionCount += 1
            let session = "session\(sessionCount)"
            sessions[session] = (request.body, [])
            let location = "\(baseURL)/upload/bigquery/v2/projects/\(project)/jobs?uploadType=resumable&upload_id=\(session)"
            return FakeWireReply(status: 200, headers: ["location": location, "content-length": "0"])
        case .uploadResumableChunk:
            return try uploadChunk(request, fault: fault)
        case .unknown:
            throw FakeError.notFound("URL \(request.method) /\(path.joined(separator: "/")) (the fake does not serve it)")
        }
    }

    // MARK: Datasets and tables

    private func requireDataset(_ dataset: String) throws(FakeError) {
        guard datasets.contains(dataset) else { throw .notFound("Dataset \(project):\(dataset)") }
    }

    private func requireTable(_ dataset: String, _ table: String) throws(FakeError) -> FakeTable {
        try requireDataset(dataset)
        guard let found = tables["\(dataset).\(table)"] else { throw .notFound("Table \(project):\(dataset).\(table)") }
        return found
    }

    private func dataset(_ id: String) -> [String: Any] {
        ["kind": "bigquery#dataset", "id": "\(project):\(id)", "location": location,
         "datasetReference": ["projectId": project, "datasetId": id]]
    }

    private func table(_ dataset: String, _ name: String, _ table: FakeTable) -> [String: Any] {
        var resource: [String: Any] = [
            "kind": "bigquery#table", "id": "\(project):\(dataset).\(name)", "type": "TABLE", "location": location,
            "tableReference": ["projectId": project, "datasetId": dataset, "tableId": name],
            "schema": ["fields": table.fields.map { ["name": $0.name, "type": $0.type, "mode": $0.mode] }],
            "numRows": String(table.numRows), "numBytes": "0",
            "creationTime": String(table.created), "lastModifiedTime": String(table.lastModified),
        ]
        if let field = table.partitionField { resource["timePartitioning"] = ["type": "DAY", "field": field] }
        return resource
    }

    /// Writes `rows` rows into a job's destination as BigQuery's dispositions say; a
    /// `$YYYYMMDD` decorator must be a real day of a day-partitioned table.
    private mutating func write(
        _ destination: FakeJobBody.Table, fields: [FakeField], partitionField: String?, write: String?, create: String?, rows: Int
    ) throws(FakeError) {
        let dataset = destination.datasetId ?? "", tableID = destination.tableId ?? ""
        if let other = destination.projectId, other != project { throw .notFound("Project \(other)") }
        try requireDataset(dataset)
        let parts = tableID.split(separator: "$", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let key = "\(dataset).\(parts[0])"
        if parts.count == 2 {
            let day = parts[1]
            let components = DateComponents(
                calendar: Calendar(identifier: .gregorian), year: Int(day.prefix(4)), month: Int(day.dropFirst(4).prefix(2)), day: Int(day.suffix(2)))
            guard day.count == 8, day.allSatisfy(\.isNumber), components.isValidDate else {
                throw .invalid("Invalid partition decorator \"$\(day)\" in table ID \"\(tableID)\": a day partition is $YYYYMMDD with a real date.")
            }
            guard partitionField != nil || tables[key]?.partitionField != nil else {
                throw .invalid("Cannot write to \(tableID): table \(project):\(key) is not partitioned by day.")
            }
        }
        var table = tables[key] ?? FakeTable(fields: fields, partitionField: partitionField, numRows: 0, created: nowMillis, lastModified: 0)
        if tables[key] == nil, create == "CREATE_NEVER" { throw .notFound("Table \(project):\(key)") }
        switch write ?? "WRITE_APPEND" {
        case "WRITE_TRUNCATE" where parts.count == 1:
            table.numRows = Int64(rows)
            if !fields.isEmpty { table.fields = fields }
        case "WRITE_TRUNCATE": break  // one partition replaced: the fake does not know partitions' rows
        case "WRITE_EMPTY" where table.numRows > 0: throw .duplicate("Table \(project):\(key) is not empty (WRITE_EMPTY)")
        default: table.numRows += Int64(rows)
        }
        table.lastModified = nowMillis
        tables[key] = table
    }

    // MARK: Jobs

    /// The job id BigQuery is given: Sluice's client always makes one, so a retried insert is safe.
    private func jobID(_ body: FakeJobBody) throws(FakeError) -> String {
        guard let id = body.jobReference?.jobId, !id.isEmpty else {
            throw .required("Required parameter is missing: jobReference.jobId (Sluice's client sends its own job id so that a retried insert is safe)")
        }
        guard id.count <= 1024, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }) else {
            throw .invalid("Invalid job ID \"\(id)\". Job IDs must be alphanumeric (plus underscores and dashes) and must be at most 1024 characters long.")
        }
        for (key, value) in body.configuration?.labels ?? [:] {
            let allowed = { (text: String) in text.count <= 63 && text.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" || $0 == "-" } }
            guard key.first?.isLowercase == true, allowed(key), allowed(value) else {
                throw .invalid("Invalid label \(key): \(value). Labels are lowercase letters, digits, underscores and dashes, at most 63 characters; keys start with a letter.")
            }
        }
        return id
    }

    private mutating func insertQueryJob(_ bytes: [UInt8], fault: FakeFault?) throws -> FakeWireReply {
        let body = try JSONDecoder().decode(FakeJobBody.self, from: Data(bytes))
        let id = try jobID(body)
        guard let query = body.configuration?.query else {
            throw FakeError.invalid(body.configuration?.load == nil
                ? "Required parameter is missing: configuration.query"
                : "Load configuration must specify at least one source URI (or upload the data to /upload/bigquery/v2/projects/\(project)/jobs)")
        }
        let sql = query.query ?? ""
        var job = FakeJob(
            id: id, type: "QUERY", sql: sql, labels: body.configuration?.labels ?? [:],
            destination: query.destinationTable.map { "\($0.datasetId ?? "").\($0.tableId ?? "")" },
            writeDisposition: query.writeDisposition, createDisposition: query.createDisposition,
            partitionField: query.timePartitioning?.field, maximumBytesBilled: query.maximumBytesBilled?.value, fields: [], body: bytes,
            created: nowMillis)
        if query.useLegacySql != false {
            job.error = .invalidQuery("Legacy SQL is the default when useLegacySql is not false, and this query is not legacy SQL [Try using standard SQL (https://cloud.google.com/bigquery/docs/reference/standard-sql/enabling-standard-sql)].")
        } else {
            job.answer = answers.reversed().lazy.compactMap { $0(sql) }.first ?? FakeAnswer()
            job.error = job.answer.error
        }
        if body.configuration?.dryRun == true {
            if let error = job.error { throw error }
            dryRuns.append(job)
            return FakeWireReply(resource(job, dryRun: true))
        }
        guard jobs[id] == nil else { throw FakeError.duplicate("Job \(project):\(location).\(id)") }
        return start(job, fault: fault) { state, job in
            job.bytesBilled = FakeAnswer.billed(job.answer.bytesProcessed)
            if let cap = job.maximumBytesBilled, job.bytesBilled > cap {
                job.error = FakeError(code: 400, reason: "bytesBilledLimitExceeded", message: "Query exceeded limit for bytes billed: \(cap). \(job.bytesBilled) or higher required.")
                job.bytesBilled = 0
            } else if let destination = query.destinationTable {
                try state.write(
                    destination, fields: job.answer.fields, partitionField: job.partitionField, write: query.writeDisposition ?? "WRITE_EMPTY",
                    create: query.createDisposition, rows: job.answer.rows.count)
            }
        }
    }

    /// The body of an upload's job, checked: a job id, a load configuration, an unused id.
    private func loadJob(_ bytes: [UInt8]) throws -> (body: FakeJobBody, id: String, load: FakeJobBody.Load) {
        let body = try JSONDecoder().decode(FakeJobBody.self, from: Data(bytes))
        let id = try jobID(body)
        guard let load = body.configuration?.load else { throw FakeError.invalid("An upload must carry a load job (configuration.load)") }
        guard jobs[id] == nil else { throw FakeError.duplicate("Job \(project):\(location).\(id)") }
        return (body, id, load)
    }

    private mutating func insertLoadJob(_ bytes: [UInt8], data: [UInt8], fault: FakeFault?) throws -> FakeWireReply {
        let (body, id, load) = try loadJob(bytes)
        var job = FakeJob(
            id: id, type: "LOAD", sql: nil, labels: body.configuration?.labels ?? [:],
            destination: load.destinationTable.map { "\($0.datasetId ?? "").\($0.tableId ?? "")" },
            writeDisposition: load.writeDisposition, createDisposition: load.createDisposition,
            partitionField: load.timePartitioning?.field, maximumBytesBilled: nil, fields: load.schema?.fields ?? [], body: bytes,
            created: nowMillis)
        job.data = data
        return start(job, fault: fault) { state, job in
            guard load.sourceFormat == "NEWLINE_DELIMITED_JSON" else {
                throw FakeError.invalid("Error while reading data, error message: CSV table encountered too many errors, giving up (sourceFormat \(load.sourceFormat ?? "CSV") is not NEWLINE_DELIMITED_JSON).")
            }
            let names = Set(job.fields.map { $0.name.lowercased() })
            var lines = 0, problems: [String] = []
            for line in data.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 0x20 || $0 == 0x0D }) {
                lines += 1
                guard let row = (try? JSONSerialization.jsonObject(with: Data(line))) as? [String: Any] else {
                    problems.append("JSON parsing error in row \(lines)")
                    continue
                }
                if load.ignoreUnknownValues != true, !job.fields.isEmpty, let unknown = row.keys.first(where: { !names.contains($0.lowercased()) }) {
                    problems.append("No such field: \(unknown).")
                }
            }
            guard problems.isEmpty else {
                throw FakeError.invalid("Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: \(lines); errors: \(problems.count). First: \(problems[0])")
            }
            job.outputRows = lines
            if let destination = load.destinationTable {
                try state.write(
                    destination, fields: job.fields, partitionField: job.partitionField, write: load.writeDisposition,
                    create: load.createDisposition, rows: lines)
            }
        }
    }

    /// Registers `job` and does its work, unless a fault fails it or makes it slow; a lost reply
    /// answers `409 duplicate` after the job was created.
    private mutating func start(_ job: FakeJob, fault: FakeFault?, work: (inout Self, inout FakeJob) throws -> Void) -> FakeWireReply {
        var job = job
        if case let .jobFails(reason, message) = fault {
            job.error = FakeError(code: reason == "backendError" ? 500 : 400, reason: reason, message: message)
        } else if job.error == nil {
            do { try work(&self, &job) } catch { job.error = error as? FakeError ?? .invalid("\(error)") }
        }
        if case let .slow(polls) = fault { job.pollsLeft = polls }
        jobs[job.id] = job
        jobOrder.append(job.id)
        return fault == .duplicateAfterCreating ? FakeWireReply(.duplicate("Job \(project):\(location).\(job.id)")) : FakeWireReply(resource(job))
    }

    /// One poll of a job, answered as the job was before it: a slow job answers RUNNING until
    /// its polls are used up.
    private mutating func poll(_ id: String) throws(FakeError) -> FakeJob {
        guard let job = jobs[id] else { throw .notFound("Job \(project):\(location).\(id)") }
        if job.pollsLeft > 0 { jobs[id]?.pollsLeft -= 1 }
        return job
    }

    private func resource(_ job: FakeJob, dryRun: Bool = false) -> [String: Any] {
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
    private mutating func results(_ id: String, _ parameters: [String: String]) throws -> FakeWireReply {
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

    // MARK: Uploads

    /// One `PUT` of a resumable upload: `Content-Range: bytes a-b/total` (`*` while the size is
    /// unknown; `bytes */…` asks what is stored), chunks but the last in multiples of 256 KiB.
    private mutating func uploadChunk(_ request: FakeWireRequest, fault: FakeFault?) throws -> FakeWireReply {
        guard let id = request.query["upload_id"], var session = sessions[id] else {
            throw FakeError.notFound("Upload session \(request.query["upload_id"] ?? "(none)")")
        }
        let range = request.headers["content-range"] ?? ""
        let pieces = range.dropFirst("bytes ".count).split(separator: "/", omittingEmptySubsequences: false)
        let bounds = pieces.first?.split(separator: "-").compactMap { Int($0) } ?? []
        let total = pieces.count == 2 ? Int(pieces[1]) : nil
        guard range.hasPrefix("bytes "), pieces.count == 2, pieces[1] == "*" || total != nil,
              pieces[0] == "*" ? request.body.isEmpty : (bounds.count == 2 && bounds[1] - bounds[0] + 1 == request.body.count)
        else { throw FakeError.invalid("Malformed Content-Range \"\(range)\" for \(request.body.count) bytes") }
        if pieces[0] != "*" {
            guard bounds[0] == session.received.count else {
                throw FakeError.invalid("Content-Range starts at byte \(bounds[0]), but \(session.received.count) bytes were received so far")
            }
            guard total != nil || request.body.count % (256 * 1024) == 0 else {
                throw FakeError.invalid("Every chunk but the last must be a multiple of 256 KiB (262144 bytes); got \(request.body.count)")
            }
            session.received += request.body
        }
        if let total, total == session.received.count {
            sessions[id] = nil
            return try insertLoadJob(session.body, data: session.received, fault: fault)
        }
        sessions[id] = session
        var headers = ["content-length": "0"]
        if !session.received.isEmpty { headers["range"] = "bytes=0-\(session.received.count - 1)" }
        return FakeWireReply(status: 308, headers: headers)
    }

    /// The JSON metadata and the media of a `multipart/related` upload, or BigQuery's complaint.
    static func multipart(_ contentType: String?, _ body: [UInt8]) throws(FakeError) -> (metadata: [UInt8], media: [UInt8]) {
        let parameters = (contentType ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parameters.first?.lowercased() == "multipart/related",
              let boundary = parameters.first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst(9)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"")), !boundary.isEmpty
        else { throw .invalid("Bad content type for a multipart upload: \(contentType ?? "none"); expected multipart/related with a boundary") }
        let delimiter = Array("--\(boundary)".utf8)
        var chunks: [ArraySlice<UInt8>] = []
        var rest = body[...]
        while let found = rest.firstRange(of: delimiter) {
            chunks.append(rest[..<found.lowerBound])
            rest = rest[found.upperBound...]
        }
        // chunks[0] is the preamble; a closed body ends with "--" right after the last delimiter.
        guard chunks.count == 3, rest.starts(with: Array("--".utf8)) else {
            throw .invalid("Invalid multipart request with \(max(0, chunks.count - 1)) mime parts.")
        }
        var parts: [(type: String?, content: [UInt8])] = []
        for chunk in chunks.dropFirst() {
            guard let split = chunk.firstRange(of: Array("\r\n\r\n".utf8)) else { throw .invalid("Invalid multipart request: a part has no header section") }
            let headers = String(decoding: chunk[chunk.startIndex..<split.lowerBound], as: UTF8.self).split(whereSeparator: \.isNewline)
            let type = headers.first { $0.lowercased().hasPrefix("content-type:") }.map { $0.dropFirst(13).trimmingCharacters(in: .whitespaces) }
            parts.append((type, Array(chunk[split.upperBound...].dropLast(2))))  // the CRLF before the next delimiter
        }
        guard parts[0].type?.lowercased().hasPrefix("application/json") == true,
              (try? JSONSerialization.jsonObject(with: Data(parts[0].content))) is [String: Any]
        else { throw .invalid("Invalid multipart request: the first part must be the job as an application/json object") }
        guard parts[1].type != nil else { throw .invalid("Invalid multipart request: the media part has no content type") }
        return (parts[0].content, parts[1].content)
    }
}
