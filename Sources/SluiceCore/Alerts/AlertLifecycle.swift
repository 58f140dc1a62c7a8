import Foundation

/// What one step's latest outcome says about its alert fingerprint.
public struct AlertObservation: Sendable, Equatable {
    /// Pipeline name.
    public var pipeline: String
    /// Check name, or the step id for a load/model step.
    public var check: String
    /// The table concerned.
    public var table: String?
    /// nil when the check passed / the step succeeded; otherwise the alert kind.
    public var failing: AlertSeverity?
    /// One line: what is wrong.
    public var title: String
    /// Details: thresholds, counts, the error.
    public var detail: String
    /// The SQL that found it.
    public var sql: String?
    /// Sample failing rows.
    public var sample: [String]
    /// The run that observed it.
    public var runID: Int64

    /// Creates an observation.
    public init(
        pipeline: String, check: String, table: String?, failing: AlertSeverity?, title: String,
        detail: String = "", sql: String? = nil, sample: [String] = [], runID: Int64
    ) {
        self.pipeline = pipeline
        self.check = check
        self.table = table
        self.failing = failing
        self.title = title
        self.detail = detail
        self.sql = sql
        self.sample = sample
        self.runID = runID
    }

    /// `pipeline/check/table`.
    public var fingerprint: String {
        AlertRecord.fingerprint(pipeline: pipeline, check: check, table: table)
    }
}

/// How an observation changes the alert of its fingerprint.
public enum AlertTransition: Sendable, Equatable {
    /// Passing, and nothing was open.
    case none
    /// A new alert (its `id` is still 0).
    case opened(AlertRecord)
    /// The open alert failed again: counter bumped, details refreshed.
    case repeated(AlertRecord)
    /// The open alert's check passed: it is resolved.
    case resolved(AlertRecord)
}

/// The alert rules, as a pure function: one unresolved alert per fingerprint; repeats bump it;
/// a pass resolves it.
public enum AlertLifecycle {
    /// Applies `observation` to the unresolved alert of its fingerprint (if any).
    public static func apply(_ observation: AlertObservation, to existing: AlertRecord?, at now: Date) -> AlertTransition {
        switch (observation.failing, existing) {
        case (nil, nil):
            return .none
        case let (nil, alert?):
            var resolved = alert
            resolved.status = .resolved
            resolved.resolvedAt = now
            resolved.runID = observation.runID
            return .resolved(resolved)
        case let (severity?, nil):
            return .opened(AlertRecord(
                id: 0, fingerprint: observation.fingerprint, pipeline: observation.pipeline,
                check: observation.check, table: observation.table, severity: severity, status: .open,
                title: observation.title, detail: observation.detail, sql: observation.sql,
                sample: observation.sample, runID: observation.runID, openedAt: now, lastSeenAt: now))
        case let (severity?, alert?):
            var repeated = alert
            repeated.occurrences += 1
            repeated.lastSeenAt = now
            repeated.runID = observation.runID
            repeated.title = observation.title
            repeated.detail = observation.detail
            repeated.sql = observation.sql
            repeated.sample = observation.sample
            if severity == .error { repeated.severity = .error }
            return .repeated(repeated)
        }
    }

    /// True when one of `mutes` silences this alert at `now`.
    public static func isMuted(_ alert: AlertRecord, by mutes: [MuteRecord], at now: Date) -> Bool {
        mutes.contains { $0.endsAt > now && $0.covers(pipeline: alert.pipeline, check: alert.check, table: alert.table) }
    }
}
