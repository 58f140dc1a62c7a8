import Foundation
import GRDB

/// Query jobs: GoogleSQL translated to SQLite and run for real, with BigQuery's billing rules
/// (10 MiB minimum per table read, nothing for metadata), `maximumBytesBilled`, the query cache,
/// destination tables with dispositions and partition decorators, DDL, DML and `MERGE`.
extension FakeBigQueryState {
    static let mebibyte: Int64 = 1_048_576

    /// Runs or dry-runs `configuration.query`; failures come back in the outcome.
    mutating func runQuery(_ query: FakeJSON, dryRun: Bool) -> FakeJobOutcome {
        do {
            return try executeQuery(query, dryRun: dryRun)
        } catch let failure as FakeBigQueryFailure {
            return FakeJobOutcome(failure: failure)
        } catch let error as DatabaseError {
            return FakeJobOutcome(failure: Self.translate(error))
        } catch {
            return FakeJobOutcome(failure: .invalidQuery("\(error)"))
        }
    }

    /// Throws when a job would run legacy SQL, which the fake (like Sluice) never speaks.
    static func requireStandardSQL(_ query: FakeJSON, sql: String) throws(FakeBigQueryFailure) {
        guard query["useLegacySql"].bool != false else { return }
        if let start = sql.firstIndex(of: "`") {
            let name = sql[start...].dropFirst().prefix { $0 != "`" }
            throw .invalidQuery(
                "Invalid table name: `\(name)` [Try using standard SQL (https://cloud.google.com/bigquery/docs/reference/standard-sql/enabling-standard-sql)].")
        }
        throw .invalidQuery(
            "Legacy SQL is the default when useLegacySql is not false; this statement is GoogleSQL. Set useLegacySql: false.")
    }

    private mutating func executeQuery(_ query: FakeJSON, dryRun: Bool) throws -> FakeJobOutcome {
        guard let sql = query["query"].string, !sql.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw FakeBigQueryFailure.required("Required parameter is missing: query")
        }
        try Self.requireStandardSQL(query, sql: sql)
        var translator = try FakeSQLTranslator(
            sql: sql, project: project, datasets: Set(datasets.keys), defaultDataset: query["defaultDataset"]["datasetId"].string)
        let statement = try translator.statement()
        let target = statement.target
        var readKeys: [String] = []
        var schemaViews: [(dataset: String, view: String)] = []
        for reference in translator.tables {
            switch reference {
            case let .table(dataset, table):
                try requireDataset(dataset)
                let key = "\(dataset).\(table)"
                if key == target?.key {
                    switch statement {
                    case .createTable, .createView, .drop: continue
                    default: break
                    }
                }
                guard tables[key] != nil else { throw FakeBigQueryFailure.notFound("Table \(project):\(key)") }
                if key != target?.key || statement.readsTarget { readKeys.append(key) }
            case let .informationSchema(dataset, view):
                try requireDataset(dataset)
                guard ["PARTITIONS", "TABLES"].contains(view) else {
                    throw FakeBigQueryFailure.notFound("Table \(project):\(dataset).INFORMATION_SCHEMA.\(view)")
                }
                schemaViews.append((dataset, view))
            }
        }
        switch statement {
        case .createView, .drop, .truncate, .createTable(_, _, _, _, _, nil): readKeys = []
        default: break
        }
        let destination = try queryDestination(query, statement: statement)
        let processed = bytes(reading: readKeys)
        let billed = readKeys.isEmpty ? 0 : max(
            (processed + Self.mebibyte - 1) / Self.mebibyte * Self.mebibyte, 10 * Self.mebibyte * Int64(readKeys.count))
        var outcome = FakeJobOutcome(
            bytesProcessed: processed, bytesBilled: dryRun ? 0 : billed, statementType: statement.statementType, referenced: readKeys)
        let hints = readKeys.flatMap { tables[$0]?.fields ?? [] }

        if dryRun {
            outcome.fields = try Self.transaction(db) { db in
                try buildInformationSchema(schemaViews, db)
                switch statement {
                case let .select(sql): return try Self.columns(of: sql, hints: hints, db)
                case let .createTable(_, _, _, _, _, query?), let .createView(_, _, _, query, _):
                    _ = try db.makeStatement(sql: query)
                case let .dml(_, _, sql):
                    _ = try db.makeStatement(sql: sql)
                default:
                    break
                }
                return []
            }
            return outcome
        }
        if let limit = query["maximumBytesBilled"].int64, billed > limit {
            throw FakeBigQueryFailure(
                code: 400, reason: "bytesBilledLimitExceeded",
                message: "Query exceeded limit for bytes billed: \(limit). \(billed) or higher required.")
        }
        let cacheable = destination == nil && query["useQueryCache"].bool != false && !translator.readsClock
            && schemaViews.isEmpty && statement.statementType == "SELECT"
        let cacheKey = sql + "|" + (query["defaultDataset"]["datasetId"].string ?? "")
        let versions = Dictionary(readKeys.map { ($0, tables[$0]?.version ?? 0) }, uniquingKeysWith: { first, _ in first })
        if cacheable, let cached = cache[cacheKey], cached.versions == versions {
            var hit = cached.outcome
            hit.cacheHit = true
            hit.bytesProcessed = 0
            hit.bytesBilled = 0
            return hit
        }
        try Self.transaction(db) { db in
            try buildInformationSchema(schemaViews, db)
            try execute(statement, destination: destination, hints: hints, readKeys: readKeys, into: &outcome, db)
        }
        if cacheable { cache[cacheKey] = (versions, outcome) }
        return outcome
    }

    /// The destination of a `SELECT` job (`destinationTable`, dispositions, `timePartitioning`).
    private func queryDestination(
        _ query: FakeJSON, statement: FakeStatement
    ) throws -> (FakeDestination, write: String, create: String, partitioning: (type: String, field: String?)?)? {
        let table = query["destinationTable"]
        guard !table.isNull else { return nil }
        guard case .select = statement else {
            let kind = statement.statementType.hasPrefix("CREATE") || statement.statementType.hasPrefix("DROP") ? "DDL" : "DML"
            throw FakeBigQueryFailure.invalid("Cannot set destination table in jobs with \(kind) statements")
        }
        let destination = try destination(
            project: table["projectId"].string, dataset: table["datasetId"].string ?? "", tableID: table["tableId"].string ?? "")
        let partitioning = query["timePartitioning"].isNull
            ? nil : (type: query["timePartitioning"]["type"].string ?? "DAY", field: query["timePartitioning"]["field"].string)
        return (destination, query["writeDisposition"].string ?? "WRITE_EMPTY", query["createDisposition"].string ?? "CREATE_IF_NEEDED", partitioning)
    }

    private mutating func execute(
        _ statement: FakeStatement, destination: (FakeDestination, write: String, create: String, partitioning: (type: String, field: String?)?)?,
        hints: [FakeField], readKeys: [String], into outcome: inout FakeJobOutcome, _ db: Database
    ) throws {
        switch statement {
        case let .select(sql):
            let (fields, rows) = try Self.select(sql, hints: hints, db)
            outcome.fields = fields
            outcome.rows = rows
            if let (target, write, create, partitioning) = destination {
                _ = try self.write(rows, fields: fields, into: target, disposition: write, create: create, partitioning: partitioning, db)
            }
        case let .createTable(target, replace, ifNotExists, declared, partitionField, query):
            if tables[target.key] != nil {
                if ifNotExists { return }
                guard replace else { throw FakeBigQueryFailure.duplicate("Table \(project):\(target.key)") }
            }
            var fields = declared ?? []
            var rows: [[DatabaseValue]] = []
            if let query { (fields, rows) = try Self.select(query, hints: hints, db) }
            try dropTable(target.key, db)
            let partitioning = partitionField.map { (type: "DAY", field: Optional($0)) }
            if rows.isEmpty {
                let table = try registerTable(dataset: target.dataset, name: target.table, fields: fields, partition: partitioning)
                try createSQLiteTable(table, db)
            } else {
                _ = try write(rows, fields: fields, into: target, disposition: "WRITE_APPEND", create: "CREATE_IF_NEEDED", partitioning: partitioning, db)
            }
        case let .createView(target, replace, ifNotExists, query, original):
            if tables[target.key] != nil {
                if ifNotExists { return }
                guard replace else { throw FakeBigQueryFailure.duplicate("Table \(project):\(target.key)") }
            }
            let (fields, _) = try Self.select(query, hints: hints, db)
            try dropTable(target.key, db)
            _ = try registerTable(dataset: target.dataset, name: target.table, fields: fields, partition: nil)
            tables[target.key]?.viewQuery = original
            tables[target.key]?.viewSources = readKeys
            try db.execute(sql: "CREATE VIEW \(FakeSQLTranslator.sqliteName(.table(dataset: target.dataset, table: target.table))) AS \(query)")
        case let .drop(target, _, ifExists):
            guard tables[target.key] != nil else {
                if ifExists { return }
                throw FakeBigQueryFailure.notFound("Table \(project):\(target.key)")
            }
            try dropTable(target.key, db)
        case let .dml(_, target, sql):
            try db.execute(sql: sql)
            outcome.affectedRows = Int64(db.changesCount)
            touch(target.key)
        case let .truncate(target):
            try db.execute(sql: "DELETE FROM \(FakeSQLTranslator.sqliteName(.table(dataset: target.dataset, table: target.table)))")
            touch(target.key)
        case let .merge(merge):
            try run(merge, into: &outcome, db)
        }
    }

    private mutating func run(_ merge: FakeMerge, into outcome: inout FakeJobOutcome, _ db: Database) throws {
        let name = FakeSQLTranslator.sqliteName(.table(dataset: merge.target.dataset, table: merge.target.table))
        let target = "\(name) AS \(merge.targetAlias)"
        let source = "\(merge.source) AS \(merge.sourceAlias)"
        if merge.matched != nil {
            let repeated = try Int.fetchOne(
                db, sql: "SELECT count(*) FROM \(target) JOIN \(source) ON \(merge.condition) GROUP BY \(merge.targetAlias).rowid HAVING count(*) > 1 LIMIT 1")
            if repeated != nil {
                throw FakeBigQueryFailure.invalidQuery("UPDATE/MERGE must match at most one source row for each target row")
            }
        }
        var inserted: Int64 = 0
        var updated: Int64 = 0
        var deleted: Int64 = 0
        var insertColumns: [String]?
        if case let .insert(columns, values) = merge.notMatched {
            let selected = values?.joined(separator: ", ") ?? "\(merge.sourceAlias).*"
            let extra = merge.notMatchedCondition.map { " AND (\($0))" } ?? ""
            try db.execute(sql: "DROP TABLE IF EXISTS temp._fake_merge_insert")
            try db.execute(sql: """
                CREATE TEMP TABLE _fake_merge_insert AS SELECT \(selected) FROM \(source) \
                WHERE NOT EXISTS (SELECT 1 FROM \(target) WHERE \(merge.condition))\(extra)
                """)
            insertColumns = columns ?? tables[merge.target.key]?.fields.map(\.name)
        }
        let extra = merge.matchedCondition.map { " AND (\($0))" } ?? ""
        switch merge.matched {
        case let .update(assignments):
            let set = assignments.map { "\"\($0.column)\" = \($0.value)" }.joined(separator: ", ")
            try db.execute(sql: "UPDATE \(target) SET \(set) FROM \(source) WHERE (\(merge.condition))\(extra)")
            updated = Int64(db.changesCount)
        case .delete:
            try db.execute(sql: "DELETE FROM \(target) WHERE EXISTS (SELECT 1 FROM \(source) WHERE (\(merge.condition))\(extra))")
            deleted = Int64(db.changesCount)
        default:
            break
        }
        if let insertColumns {
            let columns = insertColumns.map { "\"\($0)\"" }.joined(separator: ", ")
            try db.execute(sql: "INSERT INTO \(name) (\(columns)) SELECT * FROM temp._fake_merge_insert")
            inserted = Int64(db.changesCount)
            try db.execute(sql: "DROP TABLE temp._fake_merge_insert")
        }
        outcome.inserted = inserted
        outcome.updated = updated
        outcome.deleted = deleted
        outcome.affectedRows = inserted + updated + deleted
        touch(merge.target.key)
    }

    /// Materializes the `INFORMATION_SCHEMA` views a query reads as temporary tables.
    private func buildInformationSchema(_ views: [(dataset: String, view: String)], _ db: Database) throws {
        for (dataset, view) in views {
            let name = FakeSQLTranslator.sqliteName(.informationSchema(dataset: dataset, view: view))
            try db.execute(sql: "DROP TABLE IF EXISTS \(name)")
            let members = tables.values.filter { $0.dataset == dataset }.sorted { $0.name < $1.name }
            if view == "TABLES" {
                try db.execute(sql: "CREATE TEMP TABLE \"\(dataset).INFORMATION_SCHEMA.TABLES\" (table_catalog TEXT, table_schema TEXT, table_name TEXT, table_type TEXT, creation_time TEXT)")
                for table in members {
                    try db.execute(
                        sql: "INSERT INTO \(name) VALUES (?, ?, ?, ?, ?)",
                        arguments: [project, dataset, table.name, table.isView ? "VIEW" : "BASE TABLE",
                                    FakeBigQueryValues.timestampText(table.created * 1000)])
                }
                continue
            }
            try db.execute(sql: """
                CREATE TEMP TABLE "\(dataset).INFORMATION_SCHEMA.PARTITIONS" (table_catalog TEXT, table_schema TEXT, \
                table_name TEXT, partition_id TEXT, total_rows INTEGER, total_logical_bytes INTEGER, \
                total_billable_bytes INTEGER, last_modified_time TEXT, storage_tier TEXT)
                """)
            for table in members where !table.isView {
                let size = table.fields.map { FakeBigQueryValues.sizeExpression(column: $0.name, type: $0.type) }.joined(separator: " + ")
                let partition = table.partitionField.map { "coalesce(replace(substr(\"\($0)\", 1, 10), '-', ''), '__NULL__')" } ?? "NULL"
                let modified = FakeBigQueryValues.timestampText(table.lastModified * 1000)
                try db.execute(
                    sql: """
                        INSERT INTO \(name) SELECT ?, ?, ?, \(partition), count(*), coalesce(sum(\(size)), 0), \
                        coalesce(sum(\(size)), 0), ?, 'ACTIVE' FROM \(table.sqliteName) \
                        \(table.partitionField == nil ? "" : "GROUP BY 4")
                        """,
                    arguments: [project, dataset, table.name, modified])
            }
        }
    }

    /// Runs a SELECT and types its columns (a referenced table's type for a column of that name
    /// when the values fit it, else the type the values look like).
    static func select(_ sql: String, hints: [FakeField], _ db: Database) throws -> ([FakeField], [[DatabaseValue]]) {
        let statement = try db.makeStatement(sql: sql)
        let rows = try Row.fetchAll(statement).map { Array($0.databaseValues) }
        let fields = statement.columnNames.enumerated().map { index, name in
            let values = rows.map { $0[index] }
            let hinted = hints.first { $0.name.lowercased() == name.lowercased() }?.type
            let type = hinted.flatMap { FakeBigQueryValues.fits(values, type: $0) ? $0 : nil } ?? FakeBigQueryValues.inferredType(of: values)
            return FakeField(name: Self.isIdentifier(name) ? name : "f\(index)_", type: type)
        }
        return (fields, rows)
    }

    /// The typed columns of a SELECT without running it (a dry run).
    static func columns(of sql: String, hints: [FakeField], _ db: Database) throws -> [FakeField] {
        let statement = try db.makeStatement(sql: sql)
        return statement.columnNames.enumerated().map { index, name in
            let type = hints.first { $0.name.lowercased() == name.lowercased() }?.type ?? "STRING"
            return FakeField(name: Self.isIdentifier(name) ? name : "f\(index)_", type: type)
        }
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first == "_" || (first.isASCII && first.properties.isAlphabetic) else { return false }
        return name.unicodeScalars.allSatisfy { $0 == "_" || ($0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))) }
    }
}
