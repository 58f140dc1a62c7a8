import Foundation

/// The two alert formats: an **error** (a step failed, an error-severity check failed, data past
/// `error_after`) and a **warning** (an irregularity).
public enum AlertSeverity: String, Sendable, Codable {
    case error, warning
}

/// Where an alert is in its life.
public enum AlertStatus: String, Sendable, Codable {
    case open, acknowledged, resolved
}

/// One alert per fingerprint while it is open; repeats bump `occurrences`.
public struct AlertRecord: Sendable, Equatable, Identifiable {
    /// Sequential id, what users type (`ack 7`).
    public var id: Int64
    /// `pipeline/check/table`: stable across runs.
    public var fingerprint: String
    /// Pipeline name.
    public var pipeline: String
    /// Check name, or the step id for a failed step.
    public var check: String
    /// The table concerned, if any.
    public var table: String?
    /// Error or warning.
    public var severity: AlertSeverity
    /// Open, acknowledged or resolved.
    public var status: AlertStatus
    /// One line: what is wrong.
    public var title: String
    /// More: failing rows, thresholds, the error.
    public var detail: String
    /// The SQL that found it, if any.
    public var sql: String?
    /// Sample failing rows as text lines.
    public var sample: [String]
    /// The run that last saw it.
    public var runID: Int64
    /// How many times it was seen while open.
    public var occurrences: Int
    /// When it opened.
    public var openedAt: Date
    /// When it was last seen failing.
    public var lastSeenAt: Date
    /// When it resolved.
    public var resolvedAt: Date?
    /// Slack user who acknowledged it.
    public var acknowledgedBy: String?
    /// When it was acknowledged.
    public var acknowledgedAt: Date?
    /// When it was last re-announced to owners.
    public var escalatedAt: Date?
    /// Outbox id of its top-level message (threads and edits hang off it); nil while muted.
    public var messageOutboxID: Int64?

    /// Creates an alert record.
    public init(
        id: Int64, fingerprint: String, pipeline: String, check: String, table: String?, severity: AlertSeverity,
        status: AlertStatus, title: String, detail: String, sql: String? = nil, sample: [String] = [],
        runID: Int64, occurrences: Int = 1, openedAt: Date, lastSeenAt: Date, resolvedAt: Date? = nil,
        acknowledgedBy: String? = nil, acknowledgedAt: Date? = nil, escalatedAt: Date? = nil,
        messageOutboxID: Int64? = nil
    ) {
        self.id = id
        self.fingerprint = fingerprint
        self.pipeline = pipeline
        self.check = check
        self.table = table
        self.severity = severity
        self.status = status
        self.title = title
        self.detail = detail
        self.sql = sql
        self.sample = sample
        self.runID = runID
        self.occurrences = occurrences
        self.openedAt = openedAt
        self.lastSeenAt = lastSeenAt
        self.resolvedAt = resolvedAt
        self.acknowledgedBy = acknowledgedBy
        self.acknowledgedAt = acknowledgedAt
        self.escalatedAt = escalatedAt
        self.messageOutboxID = messageOutboxID
    }

    /// The fingerprint for a pipeline, check and table.
    public static func fingerprint(pipeline: String, check: String, table: String?) -> String {
        "\(pipeline)/\(check)/\(table ?? "-")"
    }
}

/// A silence on a check, a table or a pipeline until `endsAt`.
public struct MuteRecord: Sendable, Equatable, Identifiable {
    /// Sequential id.
    public var id: Int64
    /// What is muted: a pipeline name, a `dataset.table`, or a check name.
    public var target: String
    /// Who muted it.
    public var createdBy: String
    /// Why.
    public var reason: String?
    /// When it was set.
    public var createdAt: Date
    /// When it ends.
    public var endsAt: Date
    /// When its end was announced (nil until then).
    public var endAnnouncedAt: Date?

    /// Creates a mute record.
    public init(
        id: Int64, target: String, createdBy: String, reason: String?, createdAt: Date, endsAt: Date,
        endAnnouncedAt: Date? = nil
    ) {
        self.id = id
        self.target = target
        self.createdBy = createdBy
        self.reason = reason
        self.createdAt = createdAt
        self.endsAt = endsAt
        self.endAnnouncedAt = endAnnouncedAt
    }

    /// True when this mute silences an alert of this pipeline, check and table. A check is named
    /// `pipeline/check` (check names are unique only within a pipeline).
    public func covers(pipeline: String, check: String, table: String?) -> Bool {
        target == pipeline || target == "\(pipeline)/\(check)" || (table != nil && target == table)
    }
}
