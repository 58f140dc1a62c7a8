import Foundation
import SluiceCore
import Warehouse

/// Compiles every model and check of a manifest against the warehouse without running anything
/// (`sluice validate`): each model's SQL (its SQLite variant on SQLite) and each check's SQL from
/// `CheckSQL` are compiled against the tables as they are now (SQLite: prepared; BigQuery: dry
/// runs, which bill nothing), and every column a check names is looked up in its table
/// (`CheckColumns`). Problems come back at the SQL file's or the manifest's line and column. What
/// reads a table that is not built yet cannot be compiled and is listed as skipped, per pipeline;
/// a warehouse that cannot be asked makes the whole report one line saying why.
public struct ManifestCompiler: Sendable {
    /// The valid manifest.
    public let manifest: Manifest
    /// Its warehouse; nil when it holds nothing yet (the SQLite folder does not exist), which skips
    /// every model and check as not built.
    public let warehouse: (any Warehouse)?

    /// Creates a compiler.
    public init(manifest: Manifest, warehouse: (any Warehouse)?) {
        self.manifest = manifest
        self.warehouse = warehouse
    }

    /// Compiles everything; see the type's description.
    public func compile() async -> ManifestCompileReport {
        var report = ManifestCompileReport()
        do {
            let schema = try await self.schema()
            for pipeline in manifest.pipelines {
                var skip = CompileSkip(pipeline: pipeline.name)
                for model in pipeline.models {
                    try await compile(model, schema: schema, into: &report, skip: &skip)
                }
                for check in pipeline.checks {
                    try await compile(check, pipeline: pipeline.name, schema: schema, into: &report, skip: &skip)
                }
                if !skip.isEmpty { report.skipped.append(skip) }
            }
        } catch {
            return ManifestCompileReport(unavailable: "\(error)")
        }
        return report
    }

    /// The columns of every table the manifest loads or builds that exists now.
    private func schema() async throws -> [TableName: [String]] {
        guard let warehouse else { return [:] }
        var schema: [TableName: [String]] = [:]
        for table in manifest.uniqueTables {
            schema[table] = try await warehouse.columns(of: table)
        }
        return schema
    }

    private func compile(
        _ model: Model, schema: [TableName: [String]], into report: inout ManifestCompileReport, skip: inout CompileSkip
    ) async throws {
        let missing = model.dependencies.filter { schema[$0] == nil }
        guard let warehouse, missing.isEmpty else {
            skip.add(model: model.name, missing: missing, builders: builders(of: missing))
            return
        }
        report.compiledModels += 1
        let text = model.sql(for: warehouse.dialect)
        let statement = EmbeddedSQL.body(of: text)
        guard let problem = try await warehouse.compile(statement) else { return }
        report.problems.append(
            SQLCompileMessage.diagnostic(
                for: problem, statement: statement, file: (model.sqlPath(for: warehouse.dialect), text),
                columns: model.dependencies.flatMap { schema[$0] ?? [] }, tables: tableNames))
    }

    private func compile(
        _ check: Check, pipeline: String, schema: [TableName: [String]], into report: inout ManifestCompileReport,
        skip: inout CompileSkip
    ) async throws {
        let tables = tables(readBy: check)
        let missing = tables.filter { schema[$0] == nil }
        guard let warehouse, missing.isEmpty else {
            skip.add(check: check.name, missing: missing, builders: builders(of: missing))
            return
        }
        report.compiledChecks += 1
        let location = manifest.locations.check(check.name, in: pipeline)
        let absent = CheckColumns.missing(in: check, columns: schema)
        for column in absent {
            report.problems.append(diagnostic(at: location?.position(of: column.reference), column.message))
        }
        guard absent.isEmpty, let sql = CheckSQL.failingRowsQuery(for: check, dialect: warehouse.dialect),
              let problem = try await warehouse.compile(sql) else { return }
        let message = SQLCompileMessage.message(
            problem.message, columns: tables.flatMap { schema[$0] ?? [] }, tables: tableNames)
        report.problems.append(diagnostic(at: location?.query ?? location?.check, "check '\(check.name)' does not compile: \(message)"))
    }

    /// The tables a check reads: its table and a relationship's parent, or the tables a `sql` check's query names.
    private func tables(readBy check: Check) -> [TableName] {
        if case let .sql(query) = check.kind { return SQLTableReferences.find(in: query) }
        var tables = check.table.map { [$0] } ?? []
        for table in CheckColumns.tables(of: check) where !tables.contains(table) { tables.append(table) }
        return tables
    }

    /// The pipelines that build `tables`, each once.
    private func builders(of tables: [TableName]) -> [String] {
        let owners = manifest.owners
        var names: [String] = []
        for table in tables {
            if let owner = owners[table], !names.contains(owner) { names.append(owner) }
        }
        return names
    }

    private var tableNames: [String] { manifest.uniqueTables.map(\.description) }

    private func diagnostic(at position: TextPosition?, _ message: String) -> ManifestDiagnostic {
        ManifestDiagnostic(file: manifest.file, line: position?.line ?? 1, column: position?.column ?? 1, message: message)
    }
}
