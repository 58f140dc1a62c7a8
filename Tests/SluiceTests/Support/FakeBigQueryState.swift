import Foundation

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
    /// Cloud Storage objects a load job with `sourceUris` can read, by `gs://bucket/name`.
    var storageObjects: [String: [UInt8]] = [:]

    init(project: String, location: String, now: @escaping @Sendable () -> Date) {
        self.project = project
        self.location = location
        self.now = now
    }

    var nowMillis: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }

    // MARK: Routing, recording, faults

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
        case .tablesPatch:
            var patched = try requireTable(path[5], path[7])
            let body = (try? JSONSerialization.jsonObject(with: Data(request.body))) as? [String: Any] ?? [:]
            if let expiration = body["expirationTime"] {
                // BigQuery takes the int64 as a JSON string (or a number).
                guard let milliseconds = (expiration as? String).flatMap({ Int64($0) }) ?? (expiration as? NSNumber)?.int64Value else {
                    throw FakeError.invalid("Invalid value for expirationTime: \(expiration)")
                }
                patched.expirationTime = milliseconds
            }
            tables["\(path[5]).\(path[7])"] = patched
            return FakeWireReply(table(path[5], path[7], patched))
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

    /// The `dataset.table` a `CREATE [OR REPLACE] VIEW `dataset.table`` statement makes.
    static func createdView(_ sql: String) -> (dataset: String, table: String)? {
        guard let match = sql.firstMatch(of: #/^\s*CREATE\s+(?:OR\s+REPLACE\s+)?VIEW\s+`([A-Za-z0-9_]+)\.([A-Za-z0-9_]+)`/#.ignoresCase()) else {
            return nil
        }
        return (String(match.output.1), String(match.output.2))
    }

    private mutating func insertQueryJob(_ bytes: [UInt8], fault: FakeFault?) throws -> FakeWireReply {
        let body = try JSONDecoder().decode(FakeJobBody.self, from: Data(bytes))
        let id = try jobID(body)
        if let load = body.configuration?.load, !(load.sourceUris ?? []).isEmpty {
            return try insertURILoadJob(body, id: id, load: load, bytes: bytes, fault: fault)
        }
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
            job.bytesBilled = FakeAnswer.billed(job.answer.bytesProcessed, sql: sql)
            if let cap = job.maximumBytesBilled, job.bytesBilled > cap {
                job.error = FakeError(code: 400, reason: "bytesBilledLimitExceeded", message: "Query exceeded limit for bytes billed: \(cap). \(job.bytesBilled) or higher required.")
                job.bytesBilled = 0
            } else if fault == .loseDestination, let destination = query.destinationTable {
                state.tables["\(destination.datasetId ?? "").\(destination.tableId ?? "")"] = nil
            } else if let destination = query.destinationTable {
                try state.write(
                    destination, fields: job.answer.fields, partitionField: job.partitionField, write: query.writeDisposition ?? "WRITE_EMPTY",
                    create: query.createDisposition, rows: job.answer.rows.count)
            } else if let view = Self.createdView(sql) {
                // DDL makes the object it names, as BigQuery's does.
                try state.requireDataset(view.dataset)
                state.tables["\(view.dataset).\(view.table)"] = FakeTable(
                    fields: [], partitionField: nil, numRows: 0, created: state.nowMillis, lastModified: state.nowMillis, kind: "VIEW")
            }
        }
    }

    /// A load job that reads Cloud Storage objects itself (`configuration.load.sourceUris`), checked
    /// as BigQuery checks it: `gs://bucket/object` URIs with at most one `*`, at most 10,000 of
    /// them, a known `sourceFormat` (CSV by default), `skipLeadingRows` only for CSV, a schema unless
    /// the table exists. The job reads the objects stored with `storeObject` (a missing one fails it
    /// with `notFound`, a `*` matches by prefix and suffix) and counts their rows: CSV lines after
    /// `skipLeadingRows` of each object, NDJSON lines.
    private mutating func insertURILoadJob(
        _ body: FakeJobBody, id: String, load: FakeJobBody.Load, bytes: [UInt8], fault: FakeFault?
    ) throws -> FakeWireReply {
        let uris = load.sourceUris ?? []
        guard uris.count <= 10_000 else { throw FakeError.invalid("Too many source URIs: \(uris.count); the limit is 10000.") }
        for uri in uris {
            let rest = uri.hasPrefix("gs://") ? uri.dropFirst(5) : ""
            guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex, rest.index(after: slash) != rest.endIndex else {
                throw FakeError.invalid("Invalid source URI \(uri): it must be gs://bucket/object.")
            }
            guard uri.filter({ $0 == "*" }).count <= 1 else {
                throw FakeError.invalid("Invalid source URI \(uri): only one * wildcard is supported.")
            }
        }
        let format = load.sourceFormat ?? "CSV"
        guard ["CSV", "NEWLINE_DELIMITED_JSON", "AVRO", "PARQUET", "ORC", "DATASTORE_BACKUP"].contains(format) else {
            throw FakeError.invalid("Invalid source format \(format)")
        }
        guard format != "NEWLINE_DELIMITED_JSON" || load.skipLeadingRows == nil else {
            throw FakeError.invalid("skipLeadingRows is only supported for CSV and Google Sheets sources (sourceFormat \(format)).")
        }
        guard let destination = load.destinationTable else { throw FakeError.required("Required parameter is missing: destinationTable") }
        let key = "\(destination.datasetId ?? "").\((destination.tableId ?? "").split(separator: "$").first.map(String.init) ?? "")"
        guard !(load.schema?.fields ?? []).isEmpty || tables[key] != nil else {
            throw FakeError.invalid("No schema specified on job or table.")
        }
        guard jobs[id] == nil else { throw FakeError.duplicate("Job \(project):\(location).\(id)") }
        let job = FakeJob(
            id: id, type: "LOAD", sql: nil, labels: body.configuration?.labels ?? [:],
            destination: "\(destination.datasetId ?? "").\(destination.tableId ?? "")",
            writeDisposition: load.writeDisposition, createDisposition: load.createDisposition,
            partitionField: load.timePartitioning?.field, maximumBytesBilled: nil, fields: load.schema?.fields ?? [], body: bytes,
            created: nowMillis)
        let skip = Int(load.skipLeadingRows?.value ?? 0)
        return start(job, fault: fault) { state, job in
            var rows = 0
            for uri in uris {
                let matching: [[UInt8]]
                if let star = uri.firstIndex(of: "*") {
                    let (head, tail) = (uri[..<star], uri[uri.index(after: star)...])
                    matching = state.storageObjects.keys.sorted().filter { $0.hasPrefix(head) && $0.hasSuffix(tail) }.compactMap { state.storageObjects[$0] }
                } else {
                    matching = state.storageObjects[uri].map { [$0] } ?? []
                }
                guard !matching.isEmpty else { throw FakeError.notFound("URI \(uri)") }
                for object in matching {
                    let lines = object.split(separator: UInt8(ascii: "\n")).filter { !$0.allSatisfy { $0 == 0x20 || $0 == 0x0D } }
                    rows += max(lines.count - (format == "CSV" ? skip : 0), 0)
                }
            }
            job.outputRows = rows
            try state.write(
                destination, fields: job.fields, partitionField: job.partitionField, write: load.writeDisposition,
                create: load.createDisposition, rows: rows)
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
    mutating func poll(_ id: String) throws(FakeError) -> FakeJob {
        guard let job = jobs[id] else { throw .notFound("Job \(project):\(location).\(id)") }
        if job.pollsLeft > 0 { jobs[id]?.pollsLeft -= 1 }
        return job
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
}
