import Foundation

/// What a billed job of a run asks of the warehouse, so that it can be estimated before it runs.
public enum PlannedQuery: Sendable, Equatable {
    /// A model's build from its SQL.
    case model(Model)
    /// A check's failing-rows query, in the warehouse's dialect, and the tables it reads.
    case failingRows(sql: String, reads: [TableName])
    /// A freshness check's query for the newest value of its `loaded_at` column.
    case newestValue(of: TableName, column: String)
    /// A volume check's row counts per day of a date column (on BigQuery a partition column is
    /// counted from `INFORMATION_SCHEMA.PARTITIONS`, a metadata query).
    case rowsPerDay(of: TableName, column: String)
    /// A merge load's `MERGE` into its table from the staging table it loaded first.
    case merge(into: TableName)

    /// Distinct tables the query references, each billed at least BigQuery's minimum.
    public var referencedTables: Int {
        switch self {
        case let .model(model): Set(model.dependencies).count
        case let .failingRows(_, reads): Set(reads).count
        case .newestValue, .rowsPerDay: 1
        case .merge: 2
        }
    }
}

/// One billed job a run of a pipeline starts.
public struct PlannedJob: Sendable, Equatable {
    /// The kind of step that starts it.
    public var kind: JobEstimate.Kind
    /// The model's table, the merge load's table, or the check's name.
    public var name: String
    /// The step that starts it.
    public var stepID: String
    /// What it asks of the warehouse.
    public var query: PlannedQuery

    /// Creates a planned job.
    public init(kind: JobEstimate.Kind, name: String, stepID: String, query: PlannedQuery) {
        self.kind = kind
        self.name = name
        self.stepID = stepID
        self.query = query
    }
}

/// The jobs of a run that BigQuery bills, in run order. Left out, because they bill nothing: load
/// jobs (truncate, append and a backfill's partition loads), views (DDL), and checks answered from
/// metadata (`tables.get`: freshness without `loaded_at`, volume of recorded daily totals).
public enum PlannedJobs {
    /// The billed jobs of a run of `pipeline` whose queries are written in `dialect`: table and
    /// incremental models, each merge load's `MERGE`, and the checks that query. With `backfill`,
    /// only the steps a backfill day executes (`BackfillScope`), whose loads replace partitions with
    /// load jobs and so bill nothing.
    public static func of(_ pipeline: Pipeline, dialect: SQLDialect, backfill: Bool = false) -> [PlannedJob] {
        let executed = backfill ? BackfillScope(pipeline: pipeline).executedStepIDs : nil
        var jobs: [PlannedJob] = []
        for step in RunPlan.steps(for: pipeline) where executed?.contains(step.id) ?? true {
            switch step.kind {
            case .load:
                guard !backfill, let load = pipeline.loads.first(where: { RunPlan.loadStepID($0.table) == step.id }),
                      case .merge = load.write
                else { continue }
                jobs.append(PlannedJob(kind: .merge, name: load.table.description, stepID: step.id, query: .merge(into: load.table)))
            case .model:
                guard let model = pipeline.models.first(where: { RunPlan.modelStepID($0.name) == step.id }),
                      model.materialized != .view
                else { continue }
                jobs.append(PlannedJob(kind: .model, name: model.name.description, stepID: step.id, query: .model(model)))
            case .check:
                guard let check = pipeline.checks.first(where: { RunPlan.checkStepID($0.name) == step.id }),
                      let query = query(of: check, in: pipeline, dialect: dialect)
                else { continue }
                jobs.append(PlannedJob(kind: .check, name: check.name, stepID: step.id, query: query))
            }
        }
        return jobs
    }

    /// The query a check step makes, or nil when it reads metadata only.
    private static func query(of check: Check, in pipeline: Pipeline, dialect: SQLDialect) -> PlannedQuery? {
        switch check.kind {
        case .freshness:
            guard let rule = FreshnessRule(check, pipeline: pipeline.name), let column = rule.source.column else { return nil }
            return .newestValue(of: rule.table, column: column)
        case let .volume(table, settings):
            guard let column = VolumeJudgement(check: settings, table: table, in: pipeline).basis.column else { return nil }
            return .rowsPerDay(of: table, column: column)
        default:
            return CheckSQL.failingRowsQuery(for: check, dialect: dialect).map { .failingRows(sql: $0, reads: check.tablesRead) }
        }
    }
}

extension Check {
    /// The tables the check's query reads: its table, a relationship's parent table too, or the
    /// tables a `sql` check's query names.
    public var tablesRead: [TableName] {
        switch kind {
        case let .relationships(table, _, parent, _):
            table == parent ? [table] : [table, parent]
        case let .sql(query):
            SQLTableReferences.find(in: query)
        default:
            table.map { [$0] } ?? []
        }
    }
}
