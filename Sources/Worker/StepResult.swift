import Foundation
import SluiceCore
import Warehouse

/// What executing one step produced, applied to the state store in one transaction.
public struct StepResult: Sendable {
    /// Succeeded or failed.
    public var state: StepState
    /// Rows loaded, built, or found failing.
    public var rows: Int64?
    /// Warehouse bytes statistics.
    public var stats: JobStats
    /// One-line outcome.
    public var detail: String?
    /// The error, when failed.
    public var error: String?
    /// A check's verdict, when the check ran.
    public var checkStatus: CheckStatus?
    /// What this says about the step's alert fingerprint.
    public var observation: AlertObservation?
    /// A source watermark to store (only after a committed load).
    public var watermark: (source: String, value: String)?
    /// Daily row counts to record for a table.
    public var dailyCounts: (table: String, counts: [DayCount])?
    /// Source files to record as read by a load (only after it committed, and only files without bad rows).
    public var readFiles: (source: String, table: String, files: [SourceFileRecord])?

    /// Creates a step result.
    public init(
        state: StepState, rows: Int64? = nil, stats: JobStats = JobStats(), detail: String? = nil, error: String? = nil,
        checkStatus: CheckStatus? = nil, observation: AlertObservation? = nil, watermark: (source: String, value: String)? = nil,
        dailyCounts: (table: String, counts: [DayCount])? = nil,
        readFiles: (source: String, table: String, files: [SourceFileRecord])? = nil
    ) {
        self.state = state
        self.rows = rows
        self.stats = stats
        self.detail = detail
        self.error = error
        self.checkStatus = checkStatus
        self.observation = observation
        self.watermark = watermark
        self.dailyCounts = dailyCounts
        self.readFiles = readFiles
    }
}
