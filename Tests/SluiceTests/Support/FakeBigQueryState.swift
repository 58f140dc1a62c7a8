import Foundation
import GRDB

/// Everything the fake BigQuery knows: datasets, tables (rows in one SQLite database, each table
/// stored as `"dataset.table"`), jobs, upload sessions, recorded requests and pending faults. Lives
/// behind a mutex in `FakeBigQuery`; every request is handled under it, one at a time.
struct FakeBigQueryState {
    let project: String
    let location: String
    let now: @Sendable () -> Date
    let db: DatabaseQueue
    var baseURL = ""
    var requiredToken: String?
    var allowsDatasetCreation = true
    var datasets: [String: Int64] = [:]
    var tables: [String: FakeTable] = [:]
    var jobs: [String: FakeJob] = [:]
    var jobOrder: [String] = []
    var sessions: [String: FakeUploadSession] = [:]
    var faults: [(operation: FakeOperation?, remaining: Int, fault: FakeFault)] = []
    var recorded: [FakeRecordedRequest] = []
    var dryRuns: [FakeJobSummary] = []
    var cache: [String: (versions: [String: Int], outcome: FakeJobOutcome)] = [:]
    var counter = 0

    init(project: String, location: String, now: @escaping @Sendable () -> Date) throws {
        self.project = project
        self.location = location
        self.now = now
        var configuration = Configuration()
        configuration.prepareDatabase { db in FakeBigQueryFunctions.install(in: db, now: now) }
        db = try DatabaseQueue(configuration: configuration)
    }

    var nowMillis: Int64 { Int64((now().timeIntervalSince1970 * 1000).rounded()) }

    mutating func nextNumber() -> Int {
        counter += 1
        return counter
    }

    /// Runs `body` on the database inside a transaction, turning SQLite errors into BigQuery ones.
    static func transaction<T>(_ queue: DatabaseQueue, _ body: (Database) throws -> T) throws -> T {
        do {
            return try queue.inDatabase { db in
                var result: T?
                try db.inTransaction {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw FakeBigQueryFailure.invalid("transaction produced no result") }
                return result
            }
        } catch let failure as FakeBigQueryFailure {
            throw failure
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    /// A SQLite error as BigQuery would word it.
    static func translate(_ error: DatabaseError) -> FakeBigQueryFailure {
        let message = error.message ?? "\(error)"
        if message.hasPrefix("no such column: ") {
            return .invalidQuery("Unrecognized name: \(message.dropFirst("no such column: ".count))")
        }
        if message.hasPrefix("no such table: ") {
            return .notFound("Table \(message.dropFirst("no such table: ".count))")
        }
        if message.hasPrefix("no such function: ") {
            return .invalidQuery("Function not found: \(message.dropFirst("no such function: ".count))")
        }
        if message.contains("syntax error") {
            return .invalidQuery("Syntax error: \(message)")
        }
        return .invalidQuery(message)
    }

    // MARK: Lookups

    func requireDataset(_ dataset: String, project requested: String? = nil) throws(FakeBigQueryFailure) {
        if let requested, requested != project { throw .notFound("Project \(requested)") }
        guard datasets[dataset] != nil else { throw .notFound("Dataset \(project):\(dataset)") }
    }

    func requireTable(_ dataset: String, _ table: String) throws(FakeBigQueryFailure) -> FakeTable {
        try requireDataset(dataset)
        guard let found = tables["\(dataset).\(table)"] else { throw .notFound("Table \(project):\(dataset).\(table)") }
        return found
    }

    /// Splits `table$YYYYMMDD`; throws `invalid` for a malformed decorator.
    func destination(project requested: String?, dataset: String, tableID: String) throws(FakeBigQueryFailure) -> FakeDestination {
        let parts = tableID.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count <= 2, let base = parts.first, !base.isEmpty else { throw .invalid("Invalid table ID \"\(tableID)\".") }
        var day: String?
        if parts.count == 2 {
            let decorator = String(parts[1])
            guard decorator.count == 8, decorator.allSatisfy(\.isNumber),
                  let valid = FakeBigQueryValues.normalizedDate(
                      "\(decorator.prefix(4))-\(decorator.dropFirst(4).prefix(2))-\(decorator.suffix(2))")
            else {
                throw .invalid("Invalid partition decorator \"$\(decorator)\" in table ID \"\(tableID)\": a day-partitioned table takes $YYYYMMDD with a real date.")
            }
            day = valid
        }
        return FakeDestination(project: requested ?? project, dataset: dataset, table: String(base), partitionDay: day)
    }

    // MARK: Table storage

    /// Row count and logical bytes of a table (views: nil).
    func stats(of table: FakeTable) -> (rows: Int64, bytes: Int64)? {
        guard !table.isView else { return nil }
        let sizes = table.fields.map { FakeBigQueryValues.sizeExpression(column: $0.name, type: $0.type) }
        let sql = "SELECT count(*), coalesce(sum(\(sizes.isEmpty ? "0" : sizes.joined(separator: " + "))), 0) FROM \(table.sqliteName)"
        let row = try? db.inDatabase { db in try Row.fetchOne(db, sql: sql) }
        guard let row else { return (0, 0) }
        return (row[0] as Int64? ?? 0, row[1] as Int64? ?? 0)
    }

    /// Bytes a query reading these tables processes (views count their sources).
    func bytes(reading keys: [String]) -> Int64 {
        var total: Int64 = 0
        for key in keys {
            guard let table = tables[key] else { continue }
            if table.isView {
                total += bytes(reading: table.viewSources)
            } else {
                total += stats(of: table)?.bytes ?? 0
            }
        }
        return total
    }

    mutating func touch(_ key: String) {
        let millis = nowMillis
        tables[key]?.lastModified = millis
        tables[key]?.version += 1
    }

    func createSQLiteTable(_ table: FakeTable, _ db: Database) throws {
        let columns = table.fields.map { "\"\($0.name)\" \(FakeBigQueryValues.sqliteType($0.type))" }.joined(separator: ", ")
        try db.execute(sql: "CREATE TABLE \(table.sqliteName) (\(columns))")
    }

    mutating func registerTable(dataset: String, name: String, fields: [FakeField], partition: (type: String, field: String?)?) throws -> FakeTable {
        var seen: Set<String> = []
        for field in fields where !seen.insert(field.name.lowercased()).inserted {
            throw FakeBigQueryFailure.invalid("Duplicate column names in the result are not supported. Found duplicate(s): \(field.name)")
        }
        if let field = partition?.field {
            guard let column = fields.first(where: { $0.name.lowercased() == field.lowercased() }) else {
                throw FakeBigQueryFailure.invalid("The field specified for partitioning cannot be found in the schema: \(field)")
            }
            guard ["DATE", "TIMESTAMP", "DATETIME"].contains(column.type) else {
                throw FakeBigQueryFailure.invalid("Partitioning field \(field) must be DATE, TIMESTAMP or DATETIME, not \(column.type)")
            }
        }
        let millis = nowMillis
        let table = FakeTable(
            dataset: dataset, name: name, fields: fields, partitionField: partition?.field, partitionType: partition?.type,
            viewQuery: nil, created: millis, lastModified: millis, version: 1)
        tables[table.key] = table
        return table
    }

    mutating func dropTable(_ key: String, _ db: Database) throws {
        guard let table = tables.removeValue(forKey: key) else { return }
        try db.execute(sql: "DROP \(table.isView ? "VIEW" : "TABLE") IF EXISTS \(table.sqliteName)")
    }

    /// Writes rows into a destination the way load and query jobs do: creating the table when
    /// allowed, replacing the table (`WRITE_TRUNCATE`) or exactly its decorated day, appending, or
    /// refusing a non-empty table (`WRITE_EMPTY`). Every row of a decorated write must lie in that day.
    mutating func write(
        _ rows: [[DatabaseValue]], fields: [FakeField], into destination: FakeDestination, disposition: String,
        create: String, partitioning: (type: String, field: String?)?, _ db: Database
    ) throws -> Int64 {
        try requireDataset(destination.dataset, project: destination.project)
        let name = "\(project):\(destination.key)"
        var existing = tables[destination.key]
        if existing?.isView == true { throw FakeBigQueryFailure.invalid("Cannot write to view \(name)") }
        if let existing, let partitioning, existing.partitionType != partitioning.type || existing.partitionField?.lowercased() != partitioning.field?.lowercased() {
            let have = existing.partitionType.map { "interval(type:\($0.lowercased()),field:\(existing.partitionField ?? ""))" } ?? "none"
            throw FakeBigQueryFailure.invalid(
                "Incompatible table partitioning specification. Expects partitioning specification \(have), but input partitioning specification is interval(type:\(partitioning.type.lowercased()),field:\(partitioning.field ?? ""))")
        }
        if let day = destination.partitionDay {
            let partitionType = existing?.partitionType ?? partitioning?.type
            guard partitionType == "DAY" else {
                throw FakeBigQueryFailure.invalid(
                    "Partition decorator $\(day.replacingOccurrences(of: "-", with: "")) is only allowed on a table partitioned by day; \(name) is \(partitionType.map { "partitioned by \($0)" } ?? "not partitioned")")
            }
        }
        if existing == nil {
            guard create != "CREATE_NEVER" else { throw FakeBigQueryFailure.notFound("Table \(name)") }
            guard !fields.isEmpty else { throw FakeBigQueryFailure.invalid("No schema specified on job or table.") }
            let table = try registerTable(dataset: destination.dataset, name: destination.table, fields: fields, partition: partitioning)
            try createSQLiteTable(table, db)
            existing = table
        } else if disposition == "WRITE_TRUNCATE", destination.partitionDay == nil, let old = existing, old.fields != fields, !fields.isEmpty {
            try dropTable(old.key, db)
            let partition = old.partitionType.map { (type: $0, field: old.partitionField) }
            let table = try registerTable(dataset: destination.dataset, name: destination.table, fields: fields, partition: partition)
            try createSQLiteTable(table, db)
            existing = table
        }
        guard let table = existing else { throw FakeBigQueryFailure.notFound("Table \(name)") }
        var positions: [Int] = []
        for field in fields {
            guard let index = table.fields.firstIndex(where: { $0.name.lowercased() == field.name.lowercased() }) else {
                throw FakeBigQueryFailure.invalid("Provided Schema does not match Table \(name). Cannot add fields (field: \(field.name))")
            }
            let have = table.fields[index].type
            if have != field.type, !(["INT64", "FLOAT64", "NUMERIC"].contains(have) && ["INT64", "FLOAT64", "NUMERIC"].contains(field.type)) {
                throw FakeBigQueryFailure.invalid(
                    "Provided Schema does not match Table \(name). Field \(field.name) has changed type from \(FakeBigQueryValues.restType(have)) to \(FakeBigQueryValues.restType(field.type))")
            }
            positions.append(index)
        }
        for (index, field) in table.fields.enumerated() where field.mode == "REQUIRED" && !positions.contains(index) {
            throw FakeBigQueryFailure.invalid("Required field \(field.name) cannot be null")
        }
        var scope = ""
        if let day = destination.partitionDay {
            guard let partitionField = table.partitionField,
                  let column = fields.firstIndex(where: { $0.name.lowercased() == partitionField.lowercased() })
            else { throw FakeBigQueryFailure.invalid("Cannot use a partition decorator on \(name) without its partitioning field") }
            let compact = day.replacingOccurrences(of: "-", with: "")
            if rows.contains(where: { String.fromDatabaseValue($0[column]).flatMap(FakeBigQueryValues.day(of:)) != day }) {
                throw FakeBigQueryFailure.invalid("Some rows belong to different partitions rather than destination partition \(compact)")
            }
            scope = " WHERE substr(\"\(partitionField)\", 1, 10) = '\(day)'"
        }
        switch disposition {
        case "WRITE_TRUNCATE":
            try db.execute(sql: "DELETE FROM \(table.sqliteName)\(scope)")
        case "WRITE_EMPTY":
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.sqliteName)\(scope)") ?? 0 > 0 {
                throw FakeBigQueryFailure.duplicate("Table \(name)")
            }
        case "WRITE_APPEND":
            break
        default:
            throw FakeBigQueryFailure.invalid("Invalid value for writeDisposition: \(disposition)")
        }
        if !rows.isEmpty {
            let names = positions.map { "\"\(table.fields[$0].name)\"" }.joined(separator: ", ")
            let marks = Array(repeating: "?", count: positions.count).joined(separator: ", ")
            let statement = try db.makeStatement(sql: "INSERT INTO \(table.sqliteName) (\(names)) VALUES (\(marks))")
            for row in rows {
                try statement.execute(arguments: StatementArguments(row))
            }
        }
        touch(table.key)
        return Int64(rows.count)
    }

    // MARK: Resources

    func datasetResource(_ dataset: String) -> FakeJSON {
        let created = FakeJSON.int64(datasets[dataset] ?? 0)
        return [
            "kind": "bigquery#dataset", "id": .string("\(project):\(dataset)"), "etag": "fake",
            "selfLink": .string("\(baseURL)/bigquery/v2/projects/\(project)/datasets/\(dataset)"),
            "datasetReference": ["projectId": .string(project), "datasetId": .string(dataset)],
            "location": .string(location), "creationTime": created, "lastModifiedTime": created, "type": "DEFAULT",
        ]
    }

    func tableResource(_ table: FakeTable) -> FakeJSON {
        var resource: [String: FakeJSON] = [
            "kind": "bigquery#table", "id": .string("\(project):\(table.key)"), "etag": .string("v\(table.version)"),
            "selfLink": .string("\(baseURL)/bigquery/v2/projects/\(project)/datasets/\(table.dataset)/tables/\(table.name)"),
            "tableReference": ["projectId": .string(project), "datasetId": .string(table.dataset), "tableId": .string(table.name)],
            "schema": ["fields": .array(table.fields.map(\.json))],
            "creationTime": .int64(table.created), "lastModifiedTime": .int64(table.lastModified),
            "type": table.isView ? "VIEW" : "TABLE", "location": .string(location),
        ]
        if let query = table.viewQuery {
            resource["view"] = ["query": .string(query), "useLegacySql": false]
        } else if let stats = stats(of: table) {
            resource["numRows"] = .int64(stats.rows)
            resource["numBytes"] = .int64(stats.bytes)
            resource["numLongTermBytes"] = "0"
        }
        if let type = table.partitionType {
            var partitioning: [String: FakeJSON] = ["type": .string(type)]
            if let field = table.partitionField { partitioning["field"] = .string(field) }
            resource["timePartitioning"] = .object(partitioning)
        }
        return .object(resource)
    }
}
