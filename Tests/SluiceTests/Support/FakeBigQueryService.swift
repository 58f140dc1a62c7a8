import Foundation
import GRDB

/// The REST surface: routes each request to its operation, records it, applies injected faults,
/// and answers with BigQuery's JSON shapes and error bodies.
extension FakeBigQueryState {
    /// Where a request goes.
    struct Route {
        var operation: FakeOperation
        var project = ""
        var dataset = ""
        var table = ""
        var jobID = ""
    }

    static func route(_ request: FakeHTTPRequest) -> Route {
        let parts = request.path.split(separator: "/").map { String($0).removingPercentEncoding ?? String($0) }
        let method = request.method
        if parts.count == 6, parts[0] == "upload", parts[1] == "bigquery", parts[2] == "v2", parts[3] == "projects", parts[5] == "jobs" {
            let type = request.query["uploadType"] ?? ""
            let operation: FakeOperation = switch (method, type) {
            case ("POST", "multipart"): .uploadMultipart
            case ("POST", "resumable"): .uploadResumableStart
            case ("PUT", "resumable"): .uploadResumableChunk
            default: .unknown
            }
            return Route(operation: operation, project: parts[4])
        }
        guard parts.count >= 5, parts[0] == "bigquery", parts[1] == "v2", parts[2] == "projects" else { return Route(operation: .unknown) }
        var route = Route(operation: .unknown, project: parts[3])
        let rest = Array(parts[4...])
        switch (method, rest.count, rest[0]) {
        case ("POST", 1, "datasets"): route.operation = .datasetsInsert
        case ("GET", 2, "datasets"): route.operation = .datasetsGet
        case ("DELETE", 2, "datasets"): route.operation = .datasetsDelete
        case ("POST", 3, "datasets") where rest[2] == "tables": route.operation = .tablesInsert
        case ("GET", 3, "datasets") where rest[2] == "tables": route.operation = .tablesList
        case ("GET", 4, "datasets") where rest[2] == "tables": route.operation = .tablesGet
        case ("DELETE", 4, "datasets") where rest[2] == "tables": route.operation = .tablesDelete
        case ("POST", 5, "datasets") where rest[2] == "tables" && rest[4] == "insertAll": route.operation = .tabledataInsertAll
        case ("GET", 5, "datasets") where rest[2] == "tables" && rest[4] == "data": route.operation = .tabledataList
        case ("POST", 1, "jobs"): route.operation = .jobsInsert
        case ("GET", 2, "jobs"): route.operation = .jobsGet
        case ("POST", 3, "jobs") where rest[2] == "cancel": route.operation = .jobsCancel
        case ("POST", 1, "queries"): route.operation = .jobsQuery
        case ("GET", 2, "queries"): route.operation = .getQueryResults
        default: break
        }
        if rest.count >= 2 {
            if rest[0] == "datasets" { route.dataset = rest[1] } else { route.jobID = rest[1] }
        }
        if rest.count >= 4 { route.table = rest[3] }
        return route
    }

    /// Handles one request and records it.
    mutating func handle(_ request: FakeHTTPRequest) -> FakeHTTPReply {
        let route = Self.route(request)
        var recordedJSON = FakeJSON.parse(request.body)
        var mediaBytes = 0
        switch route.operation {
        case .uploadMultipart:
            let parsed = try? Self.multipart(contentType: request.headers["content-type"], body: request.body)
            recordedJSON = parsed?.metadata
            mediaBytes = parsed?.media.count ?? 0
        case .uploadResumableChunk:
            recordedJSON = nil
            mediaBytes = request.body.count
        default:
            break
        }
        let reply = respond(to: request, route: route)
        recorded.append(FakeRecordedRequest(
            method: request.method, path: request.path, query: request.query, headers: request.headers,
            operation: route.operation, json: recordedJSON, mediaBytes: mediaBytes, status: reply.status))
        return reply
    }

    private mutating func respond(to request: FakeHTTPRequest, route: Route) -> FakeHTTPReply {
        if let token = requiredToken, request.headers["authorization"] != "Bearer \(token)" {
            return FakeHTTPReply(status: 401, json: ["error": [
                "code": 401,
                "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.",
                "errors": [["message": "Invalid Credentials", "domain": "global", "reason": "authError", "location": "Authorization", "locationType": "header"]],
                "status": "UNAUTHENTICATED",
            ]])
        }
        let finalChunk = route.operation == .uploadResumableChunk && request.headers["content-range"]?.hasSuffix("/*") != true
        let json = FakeJSON.parse(request.body)
        let dryRun = json?["configuration"]["dryRun"].bool == true || json?["dryRun"].bool == true
        let createsJob = ([.jobsInsert, .jobsQuery, .uploadMultipart].contains(route.operation) && !dryRun) || finalChunk
        let fault = takeFault(for: route.operation, createsJob: createsJob)
        if case let .http(status, reason, message) = fault {
            return FakeHTTPReply(FakeBigQueryFailure(code: status, reason: reason, message: message))
        }
        do {
            if route.operation != .unknown, route.project != project { throw FakeBigQueryFailure.notFound("Project \(route.project)") }
            var reply = try dispatch(request, route: route, fault: fault)
            if fault == .duplicateAfterCreating, reply.status == 200, let id = FakeJSON.parse(reply.body)?["jobReference"]["jobId"].string {
                reply = FakeHTTPReply(.duplicate("Job \(project):\(location).\(id)"))
            }
            return reply
        } catch let failure as FakeBigQueryFailure {
            return FakeHTTPReply(failure)
        } catch let error as DatabaseError {
            return FakeHTTPReply(Self.translate(error))
        } catch {
            return FakeHTTPReply(.invalid("\(error)"))
        }
    }

    /// The first pending fault for this operation, consumed. Job faults only hit job-creating requests.
    private mutating func takeFault(for operation: FakeOperation, createsJob: Bool) -> FakeFault? {
        for index in faults.indices where faults[index].remaining > 0 {
            let rule = faults[index]
            guard rule.operation == nil || rule.operation == operation else { continue }
            if case .http = rule.fault {} else if !createsJob { continue }
            faults[index].remaining -= 1
            return rule.fault
        }
        return nil
    }

    private mutating func dispatch(_ request: FakeHTTPRequest, route: Route, fault: FakeFault?) throws -> FakeHTTPReply {
        let body = FakeJSON.parse(request.body) ?? .null
        switch route.operation {
        case .datasetsInsert: return try insertDataset(body)
        case .datasetsGet:
            try requireDataset(route.dataset)
            return FakeHTTPReply(json: datasetResource(route.dataset))
        case .datasetsDelete:
            try requireDataset(route.dataset)
            let members = tables.values.filter { $0.dataset == route.dataset }
            guard members.isEmpty || request.query["deleteContents"] == "true" else {
                throw FakeBigQueryFailure(code: 400, reason: "resourceInUse", message: "Dataset \(project):\(route.dataset) is still in use")
            }
            try Self.transaction(db) { db in for table in members { try dropTable(table.key, db) } }
            datasets[route.dataset] = nil
            return FakeHTTPReply(status: 204, headers: [:])
        case .tablesInsert: return try insertTable(body, dataset: route.dataset)
        case .tablesGet:
            return FakeHTTPReply(json: tableResource(try requireTable(route.dataset, route.table)))
        case .tablesList:
            try requireDataset(route.dataset)
            let members = tables.values.filter { $0.dataset == route.dataset }.sorted { $0.name < $1.name }
            return FakeHTTPReply(json: [
                "kind": "bigquery#tableList", "totalItems": .number(String(members.count)),
                "tables": .array(members.map { table in
                    ["kind": "bigquery#table", "id": .string("\(project):\(table.key)"), "type": table.isView ? "VIEW" : "TABLE",
                     "tableReference": ["projectId": .string(project), "datasetId": .string(table.dataset), "tableId": .string(table.name)]]
                }),
            ])
        case .tablesDelete:
            let table = try requireTable(route.dataset, route.table)
            try Self.transaction(db) { db in try dropTable(table.key, db) }
            return FakeHTTPReply(status: 204, headers: [:])
        case .tabledataList: return try listTableData(route, query: request.query)
        case .tabledataInsertAll: return try insertAll(body, route: route)
        case .jobsInsert: return try insertJob(body, fault: fault)
        case .jobsGet: return FakeHTTPReply(json: jobResource(try poll(route.jobID)))
        case .jobsCancel:
            return FakeHTTPReply(json: ["kind": "bigquery#jobCancelResponse", "job": jobResource(try cancel(route.jobID))])
        case .getQueryResults:
            let job = try poll(route.jobID)
            guard job.type == "QUERY" else { throw FakeBigQueryFailure.invalid("Job \(job.id) is not a query job") }
            return resultsPage(job, query: request.query, kind: "bigquery#getQueryResultsResponse")
        case .jobsQuery: return try query(body, fault: fault)
        case .uploadMultipart:
            let (metadata, media) = try Self.multipart(contentType: request.headers["content-type"], body: request.body)
            let id = try loadJobID(metadata)
            return FakeHTTPReply(json: jobResource(createJob(id: id, configuration: metadata["configuration"], work: .load(metadata["configuration"]["load"], media), fault: fault)))
        case .uploadResumableStart:
            _ = try loadJobID(body)
            let session = "fake\(nextNumber())"
            sessions[session] = FakeUploadSession(job: body)
            let location = "\(baseURL)/upload/bigquery/v2/projects/\(route.project)/jobs?uploadType=resumable&upload_id=\(session)"
            return FakeHTTPReply(status: 200, headers: ["location": location, "content-length": "0"])
        case .uploadResumableChunk: return try uploadChunk(request, fault: fault)
        case .unknown:
            throw FakeBigQueryFailure.notFound("URL \(request.method) \(request.path)")
        }
    }

    private mutating func insertDataset(_ body: FakeJSON) throws -> FakeHTTPReply {
        guard let id = body["datasetReference"]["datasetId"].string else {
            throw FakeBigQueryFailure.required("Required parameter is missing: datasetReference.datasetId")
        }
        guard !id.isEmpty, id.count <= 1024, id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw FakeBigQueryFailure.invalid("Invalid dataset ID \"\(id)\". Dataset IDs must be alphanumeric (plus underscores) and must be at most 1024 characters long.")
        }
        guard allowsDatasetCreation else {
            throw FakeBigQueryFailure(
                code: 403, reason: "accessDenied",
                message: "Access Denied: Project \(project): User does not have bigquery.datasets.create permission in project \(project).")
        }
        guard datasets[id] == nil else { throw FakeBigQueryFailure.duplicate("Dataset \(project):\(id)") }
        datasets[id] = nowMillis
        return FakeHTTPReply(json: datasetResource(id))
    }

    private mutating func insertTable(_ body: FakeJSON, dataset: String) throws -> FakeHTTPReply {
        try requireDataset(dataset)
        guard let name = body["tableReference"]["tableId"].string, !name.isEmpty,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw FakeBigQueryFailure.invalid("Invalid table ID \"\(body["tableReference"]["tableId"].string ?? "")\".")
        }
        guard tables["\(dataset).\(name)"] == nil else { throw FakeBigQueryFailure.duplicate("Table \(project):\(dataset).\(name)") }
        if let view = body["view"]["query"].string {
            var configuration: [String: FakeJSON] = ["useLegacySql": body["view"]["useLegacySql"]]
            configuration["query"] = .string("CREATE VIEW `\(dataset).\(name)` AS \(view)")
            let outcome = runQuery(.object(configuration), dryRun: false)
            if let failure = outcome.failure { throw failure }
        } else {
            let fields = try body["schema"]["fields"].array.map { json throws(FakeBigQueryFailure) in try FakeField(json: json) }
            let partitioning = body["timePartitioning"].isNull
                ? nil : (type: body["timePartitioning"]["type"].string ?? "DAY", field: body["timePartitioning"]["field"].string)
            try Self.transaction(db) { db in
                let table = try registerTable(dataset: dataset, name: name, fields: fields, partition: partitioning)
                try createSQLiteTable(table, db)
            }
        }
        return FakeHTTPReply(json: tableResource(try requireTable(dataset, name)))
    }

    private func listTableData(_ route: Route, query: [String: String]) throws -> FakeHTTPReply {
        let table = try requireTable(route.dataset, route.table)
        let rows = try db.inDatabase { db in
            try Row.fetchAll(db, sql: "SELECT * FROM \(table.sqliteName)").map { Array($0.databaseValues) }
        }
        let start = Int(query["pageToken"] ?? query["startIndex"] ?? "0") ?? 0
        let end = min(rows.count, start + (Int(query["maxResults"] ?? "") ?? rows.count))
        var body: [String: FakeJSON] = ["kind": "bigquery#tableDataList", "totalRows": .int64(Int64(rows.count))]
        if start < end {
            body["rows"] = .array(rows[start..<end].map { row in
                ["f": .array(zip(row, table.fields).map { value, field in
                    ["v": FakeBigQueryValues.restCell(value, type: field.type, int64Timestamps: false).map(FakeJSON.string) ?? .null]
                })]
            })
        }
        if end < rows.count { body["pageToken"] = .string(String(end)) }
        return FakeHTTPReply(json: .object(body))
    }

    private mutating func insertAll(_ body: FakeJSON, route: Route) throws -> FakeHTTPReply {
        let table = try requireTable(route.dataset, route.table)
        var rows: [[DatabaseValue]] = []
        var insertErrors: [FakeJSON] = []
        for (index, entry) in body["rows"].array.enumerated() {
            let line = entry["json"].bytes
            do {
                rows.append(contentsOf: try Self.parseNDJSON(line, fields: table.fields, maxBadRecords: 0, ignoreUnknownValues: body["ignoreUnknownValues"].bool ?? false).rows)
            } catch {
                let message = error.details.first ?? error.message
                insertErrors.append(["index": .number(String(index)), "errors": [["reason": "invalid", "location": "", "message": .string(message)]]])
            }
        }
        if !insertErrors.isEmpty {
            let failed = Set(insertErrors.compactMap { $0["index"].int64 })
            let stopped = body["rows"].array.indices.filter { !failed.contains(Int64($0)) }.map { index -> FakeJSON in
                ["index": .number(String(index)), "errors": [["reason": "stopped", "location": "", "message": ""]]]
            }
            return FakeHTTPReply(json: ["kind": "bigquery#tableDataInsertAllResponse", "insertErrors": .array(insertErrors + stopped)])
        }
        let destination = FakeDestination(project: project, dataset: table.dataset, table: table.name)
        try Self.transaction(db) { db in
            _ = try write(rows, fields: table.fields, into: destination, disposition: "WRITE_APPEND", create: "CREATE_NEVER", partitioning: nil, db)
        }
        return FakeHTTPReply(json: ["kind": "bigquery#tableDataInsertAllResponse"])
    }

    private mutating func insertJob(_ body: FakeJSON, fault: FakeFault?) throws -> FakeHTTPReply {
        let id = try Self.validJobID(body)
        let configuration = body["configuration"]
        try Self.validateLabels(configuration["labels"])
        if !configuration["load"].isNull {
            throw FakeBigQueryFailure.invalid("Load configuration must specify at least one source URI (or upload the data to /upload/bigquery/v2/…/jobs)")
        }
        let query = configuration["query"]
        guard !query.isNull else { throw FakeBigQueryFailure.invalid("This fake runs query and load jobs only") }
        if configuration["dryRun"].bool == true {
            let outcome = runQuery(query, dryRun: true)
            if let failure = outcome.failure { throw failure }
            var job = FakeJob(id: id, configuration: configuration, created: nowMillis, pollsLeft: 0, pending: nil)
            job.outcome = outcome
            dryRuns.append(Self.summary(job))
            var resource = jobResource(job).object ?? [:]
            resource["jobReference"] = jobReference(nil)
            return FakeHTTPReply(json: .object(resource))
        }
        guard jobs[id] == nil else { throw FakeBigQueryFailure.duplicate("Job \(project):\(location).\(id)") }
        return FakeHTTPReply(json: jobResource(createJob(id: id, configuration: configuration, work: .query(query), fault: fault)))
    }

    private mutating func query(_ body: FakeJSON, fault: FakeFault?) throws -> FakeHTTPReply {
        var query = body.object ?? [:]
        for key in ["maxResults", "timeoutMs", "requestId", "formatOptions", "location", "kind"] { query[key] = nil }
        let labels = body["labels"]
        try Self.validateLabels(labels)
        query["labels"] = nil
        let configuration = FakeJSON.object(["query": .object(query), "labels": labels])
        var parameters: [String: String] = [:]
        if let size = body["maxResults"].int64 { parameters["maxResults"] = String(size) }
        if body["formatOptions"]["useInt64Timestamp"].bool == true { parameters["formatOptions.useInt64Timestamp"] = "true" }
        if body["dryRun"].bool == true {
            let outcome = runQuery(.object(query), dryRun: true)
            if let failure = outcome.failure { throw failure }
            return FakeHTTPReply(json: [
                "kind": "bigquery#queryResponse", "jobReference": jobReference(nil), "jobComplete": true,
                "totalBytesProcessed": .int64(outcome.bytesProcessed), "cacheHit": false,
                "schema": ["fields": .array(outcome.fields.map(\.json))],
            ])
        }
        let job = createJob(id: "fakequery_\(nextNumber())", configuration: configuration, work: .query(.object(query)), fault: fault)
        return resultsPage(job, query: parameters, kind: "bigquery#queryResponse")
    }

    /// The job id of an upload's job, checked: a load configuration and an unused id.
    private func loadJobID(_ job: FakeJSON) throws -> String {
        let id = try Self.validJobID(job)
        guard !job["configuration"]["load"].isNull else {
            throw FakeBigQueryFailure.invalid("An upload must carry a load job (configuration.load)")
        }
        try Self.validateLabels(job["configuration"]["labels"])
        guard jobs[id] == nil else { throw FakeBigQueryFailure.duplicate("Job \(project):\(location).\(id)") }
        return id
    }

    private mutating func uploadChunk(_ request: FakeHTTPRequest, fault: FakeFault?) throws -> FakeHTTPReply {
        guard let sessionID = request.query["upload_id"], var session = sessions[sessionID] else {
            throw FakeBigQueryFailure.notFound("Upload session \(request.query["upload_id"] ?? "(none)")")
        }
        let range = request.headers["content-range"] ?? "bytes 0-\(request.body.count - 1)/\(request.body.count)"
        guard range.hasPrefix("bytes "), let slash = range.firstIndex(of: "/") else {
            throw FakeBigQueryFailure.invalid("Malformed Content-Range: \(range)")
        }
        let span = range[range.index(range.startIndex, offsetBy: 6)..<slash]
        let totalText = range[range.index(after: slash)...]
        let total = totalText == "*" ? nil : Int(totalText)
        if totalText != "*", total == nil { throw FakeBigQueryFailure.invalid("Malformed Content-Range: \(range)") }
        if span != "*" {
            let bounds = span.split(separator: "-").compactMap { Int($0) }
            guard bounds.count == 2, bounds[0] <= bounds[1] else { throw FakeBigQueryFailure.invalid("Malformed Content-Range: \(range)") }
            guard bounds[0] == session.received.count else {
                throw FakeBigQueryFailure.invalid("Content-Range starts at byte \(bounds[0]), but \(session.received.count) bytes were received so far")
            }
            guard bounds[1] - bounds[0] + 1 == request.body.count else {
                throw FakeBigQueryFailure.invalid("Content-Range \(range) does not match the \(request.body.count) bytes sent")
            }
            if total == nil, request.body.count % (256 * 1024) != 0 {
                throw FakeBigQueryFailure.invalid("Every chunk but the last must be a multiple of 256 KiB (262144 bytes); got \(request.body.count)")
            }
            session.received.append(contentsOf: request.body)
        } else if !request.body.isEmpty {
            throw FakeBigQueryFailure.invalid("Content-Range bytes */… must come with an empty body")
        }
        if let total, total == session.received.count {
            sessions[sessionID] = nil
            let id = try loadJobID(session.job)
            let configuration = session.job["configuration"]
            return FakeHTTPReply(json: jobResource(createJob(id: id, configuration: configuration, work: .load(configuration["load"], session.received), fault: fault)))
        }
        if let total, total < session.received.count {
            throw FakeBigQueryFailure.invalid("Content-Range total \(total) is less than the \(session.received.count) bytes received")
        }
        sessions[sessionID] = session
        var headers = ["content-length": "0"]
        if !session.received.isEmpty { headers["range"] = "bytes=0-\(session.received.count - 1)" }
        return FakeHTTPReply(status: 308, headers: headers)
    }
}
