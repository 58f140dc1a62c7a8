import Foundation
import GRDB
import SluiceCore

/// The `StateReader` queries over one GRDB connection, shared by the reader handed to `read` and
/// the writer handed to `write`.
protocol SQLiteStateQueries: StateReader {
    /// The connection; valid only inside the `read` or `write` closure that made this value.
    var db: Database { get }
}

extension SQLiteStateQueries {
    func run(id: Int64) throws -> RunRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(RunRecord.init(row:))
    }

    func runs(pipeline: String?, limit: Int) throws -> [RunRecord] {
        let rows: [Row]
        if let pipeline {
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE pipeline = ? ORDER BY id DESC LIMIT ?",
                arguments: [pipeline, limit])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM runs ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
        return try rows.map(RunRecord.init(row:))
    }

    func activeRun(pipeline: String) throws -> RunRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM runs WHERE pipeline = ? AND state IN (?, ?) ORDER BY id LIMIT 1",
            arguments: [pipeline, RunState.queued.rawValue, RunState.running.rawValue]
        ).map(RunRecord.init(row:))
    }

    func steps(runID: Int64) throws -> [StepRecord] {
        try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? ORDER BY position", arguments: [runID])
            .map(StepRecord.init(row:))
    }

    func watermark(pipeline: String, source: String) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT value FROM watermarks WHERE pipeline = ? AND source = ?", arguments: [pipeline, source])
    }

    func sourceFiles(pipeline: String, source: String, table: String) throws -> [String: SourceFileRecord] {
        let rows = try Row.fetchAll(
            db, sql: "SELECT * FROM source_files WHERE pipeline = ? AND source = ? AND table_name = ?",
            arguments: [pipeline, source, table])
        var files: [String: SourceFileRecord] = [:]
        for row in rows {
            let record = SourceFileRecord(path: row["path"], size: row["size"], modifiedNanoseconds: row["modified_ns"], digest: row["digest"])
            files[record.path] = record
        }
        return files
    }

    func dailyCounts(table: String, since: String?) throws -> [DayCount] {
        let rows: [Row]
        if let since {
            rows = try Row.fetchAll(
                db, sql: "SELECT day, row_count FROM daily_counts WHERE table_name = ? AND day >= ? ORDER BY day",
                arguments: [table, since])
        } else {
            rows = try Row.fetchAll(
                db, sql: "SELECT day, row_count FROM daily_counts WHERE table_name = ? ORDER BY day",
                arguments: [table])
        }
        return try rows.map { row in
            DayCount(day: try row.decode(forColumn: "day"), rows: try row.decode(forColumn: "row_count"))
        }
    }

    func alert(id: Int64) throws -> AlertRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(AlertRecord.init(row:))
    }

    func unresolvedAlert(fingerprint: String) throws -> AlertRecord? {
        try Row.fetchOne(
            db, sql: "SELECT * FROM alerts WHERE fingerprint = ? AND status != ? ORDER BY id DESC LIMIT 1",
            arguments: [fingerprint, AlertStatus.resolved.rawValue]
        ).map(AlertRecord.init(row:))
    }

    func runFigures(since: Date) throws -> [RunFigures] {
        try Row.fetchAll(
            db, sql: """
                SELECT runs.*,
                  (SELECT COALESCE(SUM(row_count), 0) FROM steps
                     WHERE steps.run_id = runs.id AND steps.kind = ? AND steps.state = ?) AS figures_rows,
                  (SELECT COALESCE(SUM(bytes_billed), 0) FROM steps WHERE steps.run_id = runs.id) AS figures_billed
                FROM runs WHERE created_at >= ? ORDER BY id DESC
                """,
            arguments: [StepKind.load.rawValue, StepState.succeeded.rawValue, StateColumns.seconds(since)]
        ).map { row in
            RunFigures(
                run: try RunRecord(row: row), rowsLoaded: try row.decode(forColumn: "figures_rows"),
                bytesBilled: try row.decode(forColumn: "figures_billed"))
        }
    }

    func alert(threadTS: String) throws -> AlertRecord? {
        try Row.fetchOne(
            db, sql: """
                SELECT alerts.* FROM alerts JOIN outbox ON outbox.id = alerts.message_outbox_id
                WHERE outbox.ts = ? ORDER BY alerts.id DESC LIMIT 1
                """,
            arguments: [threadTS]
        ).map(AlertRecord.init(row:))
    }

    func alerts(status: Set<AlertStatus>, limit: Int) throws -> [AlertRecord] {
        guard !status.isEmpty else { return [] }
        var arguments = StatementArguments(status.map(\.rawValue).sorted())
        arguments += [limit]
        return try Row.fetchAll(
            db,
            sql: "SELECT * FROM alerts WHERE status IN (\(databaseQuestionMarks(count: status.count))) "
                + "ORDER BY id DESC LIMIT ?",
            arguments: arguments
        ).map(AlertRecord.init(row:))
    }

    func activeMutes(at now: Date) throws -> [MuteRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM mutes WHERE ends_at > ? ORDER BY ends_at, id",
            arguments: [StateColumns.seconds(now)]
        ).map(MuteRecord.init(row:))
    }

    func endedUnannouncedMutes(at now: Date) throws -> [MuteRecord] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM mutes WHERE ends_at <= ? AND end_announced_at IS NULL ORDER BY ends_at, id",
            arguments: [StateColumns.seconds(now)]
        ).map(MuteRecord.init(row:))
    }

    func outboxEntry(id: Int64) throws -> OutboxEntry? {
        try Row.fetchOne(db, sql: "SELECT * FROM outbox WHERE id = ?", arguments: [id]).map(OutboxEntry.init(row:))
    }

    func outbox(state: OutboxState?, limit: Int) throws -> [OutboxEntry] {
        let rows: [Row]
        if let state {
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM outbox WHERE state = ? ORDER BY id LIMIT ?", arguments: [state.rawValue, limit])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM outbox ORDER BY id LIMIT ?", arguments: [limit])
        }
        return try rows.map(OutboxEntry.init(row:))
    }

    func outboxBacklog() throws -> OutboxBacklog {
        let pending = try Row.fetchOne(
            db, sql: "SELECT COUNT(*) AS n, MIN(created_at) AS oldest FROM outbox WHERE state = ?",
            arguments: [OutboxState.pending.rawValue])
        let failed = try Row.fetchAll(
            db, sql: "SELECT COALESCE(failure_reason, 'unknown') AS reason, COUNT(*) AS n FROM outbox WHERE state = ? GROUP BY 1",
            arguments: [OutboxState.failed.rawValue])
        return OutboxBacklog(
            pending: try pending?.decode(Int.self, forColumn: "n") ?? 0,
            oldestPendingSince: try pending.flatMap { try StateColumns.optionalDate($0, "oldest") },
            failedByReason: Dictionary(
                try failed.map { (try $0.decode(String.self, forColumn: "reason"), try $0.decode(Int.self, forColumn: "n")) },
                uniquingKeysWith: +))
    }

    func knownChannelID(for channel: String) throws -> String? {
        try String.fetchOne(
            db, sql: "SELECT channel_id FROM outbox WHERE channel = ? AND channel_id IS NOT NULL ORDER BY id DESC LIMIT 1",
            arguments: [channel])
    }

    func auditLog(limit: Int) throws -> [AuditEntry] {
        try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY id DESC LIMIT ?", arguments: [limit])
            .map(AuditEntry.init(row:))
    }

    func setting(_ key: String) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM settings WHERE key = ?", arguments: [key])
    }

    func backfill(id: Int64) throws -> BackfillRecord? {
        try Row.fetchOne(db, sql: "SELECT * FROM backfills WHERE id = ?", arguments: [id]).map(BackfillRecord.init(row:))
    }

    func backfills(pipeline: String?, limit: Int) throws -> [BackfillRecord] {
        let rows: [Row]
        if let pipeline {
            rows = try Row.fetchAll(
                db, sql: "SELECT * FROM backfills WHERE pipeline = ? ORDER BY id DESC LIMIT ?", arguments: [pipeline, limit])
        } else {
            rows = try Row.fetchAll(db, sql: "SELECT * FROM backfills ORDER BY id DESC LIMIT ?", arguments: [limit])
        }
        return try rows.map(BackfillRecord.init(row:))
    }
}
