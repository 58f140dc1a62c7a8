import Foundation

/// One billed warehouse job of a run, estimated before the run starts: a model's build, a merge
/// load's `MERGE`, or a check's query. What it would bill follows `CostModel.billedEstimate`; a job
/// the warehouse could not estimate counts at BigQuery's minimum for the tables it references.
public struct JobEstimate: Sendable, Equatable {
    /// The kind of step that starts the job.
    public enum Kind: String, Sendable, Equatable {
        /// A model's build.
        case model
        /// A merge load's `MERGE` from its staging table.
        case merge
        /// A check's query.
        case check
    }

    /// The kind of step that starts it.
    public var kind: Kind
    /// What it is for: the model's table, the merge load's table, or the check's name.
    public var name: String
    /// The step that starts it (`model:mart.daily_sales`, `load:raw.orders`, `check:…`).
    public var stepID: String
    /// Distinct tables its query references (a metadata query counts as one).
    public var referencedTables: Int
    /// Bytes the warehouse estimates it processes; nil when it could not estimate.
    public var bytesProcessed: Int64?
    /// Why the warehouse could not estimate it, when it could not.
    public var problem: String?

    /// Creates a job's estimate.
    public init(
        kind: Kind, name: String, stepID: String, referencedTables: Int, bytesProcessed: Int64?, problem: String? = nil
    ) {
        self.kind = kind
        self.name = name
        self.stepID = stepID
        self.referencedTables = referencedTables
        self.bytesProcessed = bytesProcessed
        self.problem = problem
    }

    /// Creates the estimate of a planned job.
    public init(_ job: PlannedJob, bytesProcessed: Int64?, problem: String? = nil) {
        self.init(
            kind: job.kind, name: job.name, stepID: job.stepID, referencedTables: job.query.referencedTables,
            bytesProcessed: bytesProcessed, problem: problem)
    }

    /// Bytes billed: `CostModel.billedEstimate` of the processed bytes (of none when unknown).
    public var bytesBilled: Int64 {
        CostModel.billedEstimate(bytesProcessed: bytesProcessed ?? 0, referencedTables: referencedTables)
    }

    /// True when BigQuery's billing floor (10 MiB per referenced table and per query) raised the figure.
    public var raisedToMinimum: Bool {
        bytesProcessed.map { bytesBilled > $0 } ?? false
    }

    /// What `jobs` would bill together (saturating).
    public static func totalBytes(_ jobs: [JobEstimate]) -> Int64 {
        CostModel.total(jobs.map(\.bytesBilled))
    }
}
