import Foundation
import GRDB
import SluiceCore

/// The writer handed to `SQLiteStateStore.write`: the queries plus every change, all inside the one
/// transaction of that `write` call.
struct SQLiteStateWriter: SQLiteStateQueries, StateWriter {
    /// The connection; valid only inside the `write` closure that made this value.
    let db: Database

    func insertRun(
        pipeline: String, trigger: RunTrigger, requestedBy: String, rerunOf: Int64?, backfillDays: [String]?,
        steps: [StepRecord], at now: Date
    ) throws -> RunRecord {
        if let active = try activeRun(pipeline: pipeline) {
            throw StateStoreError.activeRun(pipeline: pipeline, runID: active.id)
        }
        try db.execute(
            sql: """
                INSERT INTO runs (pipeline, state, run_trigger, requested_by, rerun_of, backfill_days, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                pipeline, RunState.queued.rawValue, trigger.rawValue, requestedBy, rerunOf,
                try backfillDays.map(StateColumns.json), StateColumns.seconds(now),
            ])
        let runID = db.lastInsertedRowID
        for (position, step) in steps.enumerated() {
            try db.execute(
                sql: """
                    INSERT INTO steps (run_id, step_id, position, kind, depends_on, state, started_at, finished_at,
                                       row_count, bytes_processed, bytes_billed, detail, error, check_status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    runID, step.stepID, position, step.kind.rawValue, try StateColumns.json(step.dependsOn),
                    step.state.rawValue, StateColumns.seconds(step.startedAt), StateColumns.seconds(step.finishedAt),
                    step.rows, step.bytesProcessed, step.bytesBilled, step.detail, step.error, step.checkStatus?.rawValue,
                ])
        }
        return try existingRun(id: runID)
    }

    func updateRun(_ run: RunRecord) throws {
        if run.state.isActive, let active = try activeRun(pipeline: run.pipeline), active.id != run.id {
            throw StateStoreError.activeRun(pipeline: run.pipeline, runID: active.id)
        }
        try db.execute(
            sql: """
                UPDATE runs SET pipeline = ?, state = ?, run_trigger = ?, requested_by = ?, rerun_of = ?,
                                backfill_days = ?, created_at = ?, started_at = ?, finished_at = ?, error = ?,
                                full_refresh = ?
                WHERE id = ?
                """,
            arguments: [
                run.pipeline, run.state.rawValue, run.trigger.rawValue, run.requestedBy, run.rerunOf,
                try run.backfillDays.map(StateColumns.json), StateColumns.seconds(run.createdAt),
                StateColumns.seconds(run.startedAt), StateColumns.seconds(run.finishedAt), run.error, run.fullRefresh, run.id,
            ])
        try requireChange("run \(run.id)")
    }

    func updateStep(_ step: StepRecord) throws {
        try db.execute(
            sql: """
                UPDATE steps SET kind = ?, depends_on = ?, state = ?, started_at = ?, finished_at = ?, row_count = ?,
                                 bytes_processed = ?, bytes_billed = ?, detail = ?, error = ?, check_status = ?
                WHERE run_id = ? AND step_id = ?
                """,
            arguments: [
                step.kind.rawValue, try StateColumns.json(step.dependsOn), step.state.rawValue,
                StateColumns.seconds(step.startedAt), StateColumns.seconds(step.finishedAt), step.rows,
                step.bytesProcessed, step.bytesBilled, step.detail, step.error, step.checkStatus?.rawValue,
                step.runID, step.stepID,
            ])
        try requireChange("step \(step.stepID) of run \(step.runID)")
    }

    func interruptRun(id: Int64, at now: Date) throws -> RunRecord? {
        let active = try Row.fetchAll(
            db, sql: "SELECT * FROM runs WHERE id = ? AND state IN (?, ?)",
            arguments: [id, RunState.queued.rawValue, RunState.running.rawValue]
        ).map(RunRecord.init(row:))
        let finishedAt = StateColumns.seconds(now)
        for run in active {
            let error = "interrupted: Sluice stopped while this run was in progress; "
                + "rerun it with `sluice run \(run.pipeline)` or `/sluice rerun \(run.id)`"
            try db.execute(
                sql: "UPDATE runs SET state = ?, finished_at = ?, error = ? WHERE id = ?",
                arguments: [RunState.interrupted.rawValue, finishedAt, error, run.id])
            try db.execute(
                sql: "UPDATE steps SET state = ?, finished_at = ?, error = ? WHERE run_id = ? AND state = ?",
                arguments: [StepState.failed.rawValue, finishedAt, "interrupted", run.id, StepState.running.rawValue])
            try db.execute(
                sql: "UPDATE steps SET state = ? WHERE run_id = ? AND state = ?",
                arguments: [StepState.cancelled.rawValue, run.id, StepState.queued.rawValue])
        }
        return try active.first.map { try existingRun(id: $0.id) }
    }

    func setWatermark(pipeline: String, source: String, value: String) throws {
        try db.execute(
            sql: """
                INSERT INTO watermarks (pipeline, source, value) VALUES (?, ?, ?)
                ON CONFLICT (pipeline, source) DO UPDATE SET value = excluded.value
                """,
            arguments: [pipeline, source, value])
    }

    func recordSourceFiles(_ files: [SourceFileRecord], pipeline: String, source: String, table: String) throws {
        for file in files {
            try db.execute(
                sql: """
                    INSERT INTO source_files (pipeline, source, table_name, path, size, modified_ns, digest)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (pipeline, source, table_name, path) DO UPDATE SET
                        size = excluded.size, modified_ns = excluded.modified_ns, digest = excluded.digest
                    """,
                arguments: [pipeline, source, table, file.path, file.size, file.modifiedNanoseconds, file.digest])
        }
    }

    func forgetIncrementalState(pipeline: String) throws {
        try db.execute(sql: "DELETE FROM watermarks WHERE pipeline = ?", arguments: [pipeline])
        try db.execute(sql: "DELETE FROM source_files WHERE pipeline = ?", arguments: [pipeline])
    }

    func recordDailyCounts(table: String, counts: [DayCount]) throws {
        for count in counts {
            try db.execute(
                sql: """
                    INSERT INTO daily_counts (table_name, day, row_count) VALUES (?, ?, ?)
                    ON CONFLICT (table_name, day) DO UPDATE SET row_count = excluded.row_count
                    """,
                arguments: [table, count.day, count.rows])
        }
    }

    func insertAlert(_ alert: AlertRecord) throws -> AlertRecord {
        try db.execute(
            sql: """
                INSERT INTO alerts (fingerprint, pipeline, check_name, table_name, severity, status, title, detail,
                                    sql_text, sample, run_id, occurrences, opened_at, last_seen_at, resolved_at,
                                    acknowledged_by, acknowledged_at, escalated_at, message_outbox_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: try alertColumns(alert))
        let id = db.lastInsertedRowID
        guard let inserted = try self.alert(id: id) else { throw StateStoreError.notFound("alert \(id)") }
        return inserted
    }

    func updateAlert(_ alert: AlertRecord) throws {
        var arguments = try alertColumns(alert)
        arguments += [alert.id]
        try db.execute(
            sql: """
                UPDATE alerts SET fingerprint = ?, pipeline = ?, check_name = ?, table_name = ?, severity = ?,
                                  status = ?, title = ?, detail = ?, sql_text = ?, sample = ?, run_id = ?,
                                  occurrences = ?, opened_at = ?, last_seen_at = ?, resolved_at = ?,
                                  acknowledged_by = ?, acknowledged_at = ?, escalated_at = ?, message_outbox_id = ?
                WHERE id = ?
                """,
            arguments: arguments)
        try requireChange("alert \(alert.id)")
    }

    func insertMute(_ mute: MuteRecord) throws -> MuteRecord {
        try db.execute(
            sql: """
                INSERT INTO mutes (target, created_by, reason, created_at, ends_at, end_announced_at)
                VALUES (?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                mute.target, mute.createdBy, mute.reason, StateColumns.seconds(mute.createdAt),
                StateColumns.seconds(mute.endsAt), StateColumns.seconds(mute.endAnnouncedAt),
            ])
        let id = db.lastInsertedRowID
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM mutes WHERE id = ?", arguments: [id]) else {
            throw StateStoreError.notFound("mute \(id)")
        }
        return try MuteRecord(row: row)
    }

    func updateMute(_ mute: MuteRecord) throws {
        try db.execute(
            sql: """
                UPDATE mutes SET target = ?, created_by = ?, reason = ?, created_at = ?, ends_at = ?,
                                 end_announced_at = ?
                WHERE id = ?
                """,
            arguments: [
                mute.target, mute.createdBy, mute.reason, StateColumns.seconds(mute.createdAt),
                StateColumns.seconds(mute.endsAt), StateColumns.seconds(mute.endAnnouncedAt), mute.id,
            ])
        try requireChange("mute \(mute.id)")
    }

    func deleteMutes(target: String, at now: Date) throws -> Int {
        try db.execute(
            sql: "DELETE FROM mutes WHERE target = ? AND ends_at > ?", arguments: [target, StateColumns.seconds(now)])
        return db.changesCount
    }

    func enqueue(channel: String, action: OutboxAction, message: SlackMessage, at now: Date, collapsing key: String?) throws -> Int64 {
        let kind: String
        let threadOf: Int64?
        let target: Int64?
        var reply: String?
        switch action {
        case let .post(thread):
            (kind, threadOf, target) = ("post", thread, nil)
        case let .update(updated):
            (kind, threadOf, target) = ("update", nil, updated)
        case let .reply(destination):
            (kind, threadOf, target) = ("reply", nil, nil)
            reply = try StateColumns.json(destination)
        }
        try db.execute(
            sql: """
                INSERT INTO outbox (channel, kind, thread_of, target, message, state, attempts, not_before, created_at, reply, collapse_key)
                VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)
                """,
            arguments: [
                channel, kind, threadOf, target, try StateColumns.json(message), OutboxState.pending.rawValue,
                StateColumns.seconds(now), StateColumns.seconds(now), reply, key,
            ])
        let id = db.lastInsertedRowID
        if let key {
            // Only entries no attempt has started: one being sent may be in Slack already.
            try db.execute(
                sql: """
                    UPDATE outbox SET state = ?, last_error = ?
                    WHERE collapse_key = ? AND id < ? AND state = ? AND sending_since IS NULL
                    """,
                arguments: [OutboxState.superseded.rawValue, "replaced by the later message \(id)", key, id, OutboxState.pending.rawValue])
        }
        return id
    }

    func markSent(outboxID: Int64, ts: String, channelID: String?) throws {
        try db.execute(
            sql: "UPDATE outbox SET state = ?, ts = ?, channel_id = COALESCE(?, channel_id), attempts = attempts + 1 WHERE id = ?",
            arguments: [OutboxState.sent.rawValue, ts, channelID, outboxID])
        try requireChange("outbox entry \(outboxID)")
    }

    func markSending(outboxID: Int64, at now: Date) throws {
        try db.execute(
            sql: "UPDATE outbox SET sending_since = COALESCE(sending_since, ?) WHERE id = ?",
            arguments: [StateColumns.seconds(now), outboxID])
        try requireChange("outbox entry \(outboxID)")
    }

    func markRetry(outboxID: Int64, error: String, notBefore: Date, countsAsAttempt: Bool, mayHaveBeenPosted: Bool) throws {
        try db.execute(
            sql: """
                UPDATE outbox SET state = ?, attempts = attempts + ?, last_error = ?, not_before = ?,
                    sending_since = CASE WHEN ? THEN sending_since ELSE NULL END
                WHERE id = ?
                """,
            arguments: [
                OutboxState.pending.rawValue, countsAsAttempt ? 1 : 0, error, StateColumns.seconds(notBefore), mayHaveBeenPosted,
                outboxID,
            ])
        try requireChange("outbox entry \(outboxID)")
    }

    func markFailed(outboxID: Int64, reason: String, error: String) throws {
        try db.execute(
            sql: "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?, failure_reason = ? WHERE id = ?",
            arguments: [OutboxState.failed.rawValue, error, reason, outboxID])
        try requireChange("outbox entry \(outboxID)")
    }

    func markSuperseded(outboxID: Int64, by laterID: Int64) throws {
        try db.execute(
            sql: "UPDATE outbox SET state = ?, last_error = ? WHERE id = ? AND state = ?",
            arguments: [OutboxState.superseded.rawValue, "replaced by the later edit \(laterID)", outboxID, OutboxState.pending.rawValue])
        try requireChange("pending outbox entry \(outboxID)")
    }

    func appendAudit(_ entry: AuditEntry) throws {
        try db.execute(
            sql: """
                INSERT INTO audit_log (at, actor, action, target, detail, channel, outcome)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                StateColumns.seconds(entry.at), entry.actor, entry.action, entry.target, entry.detail, entry.channel,
                entry.outcome,
            ])
    }

    func markEventProcessed(_ eventID: String, at now: Date) throws -> Bool {
        try db.execute(
            sql: "INSERT OR IGNORE INTO slack_events (event_id, processed_at) VALUES (?, ?)",
            arguments: [eventID, StateColumns.seconds(now)])
        return db.changesCount == 1
    }

    func setSetting(_ key: String, value: String) throws {
        try db.execute(
            sql: "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            arguments: [key, value])
    }

    func insertBackfill(_ backfill: BackfillRecord) throws -> BackfillRecord {
        try db.execute(
            sql: """
                INSERT INTO backfills (pipeline, days, completed_days, current_day, state, requested_by, channel,
                                       progress_outbox_id, run_ids, cancel_requested_by, owner, error, created_at,
                                       started_at, finished_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: try backfillColumns(backfill))
        let id = db.lastInsertedRowID
        guard let inserted = try self.backfill(id: id) else { throw StateStoreError.notFound("backfill \(id)") }
        return inserted
    }

    func updateBackfill(_ backfill: BackfillRecord) throws {
        var arguments = try backfillColumns(backfill)
        arguments += [backfill.id]
        try db.execute(
            sql: """
                UPDATE backfills SET pipeline = ?, days = ?, completed_days = ?, current_day = ?, state = ?,
                                     requested_by = ?, channel = ?, progress_outbox_id = ?, run_ids = ?,
                                     cancel_requested_by = ?, owner = ?, error = ?, created_at = ?, started_at = ?,
                                     finished_at = ?, updated_at = ?
                WHERE id = ?
                """,
            arguments: arguments)
        try requireChange("backfill \(backfill.id)")
    }

    /// The run with this id, which this transaction just wrote.
    private func existingRun(id: Int64) throws -> RunRecord {
        guard let run = try run(id: id) else { throw StateStoreError.notFound("run \(id)") }
        return run
    }

    /// Throws `notFound` when the last UPDATE matched no row.
    private func requireChange(_ what: String) throws {
        if db.changesCount == 0 { throw StateStoreError.notFound(what) }
    }

    /// A backfill's columns in `backfills` order, without its id.
    private func backfillColumns(_ backfill: BackfillRecord) throws -> StatementArguments {
        [
            backfill.pipeline, try StateColumns.json(backfill.days), try StateColumns.json(backfill.completedDays),
            backfill.currentDay, backfill.state.rawValue, backfill.requestedBy, backfill.channel, backfill.progressOutboxID,
            try StateColumns.json(backfill.runIDs), backfill.cancelRequestedBy, backfill.owner, backfill.error,
            StateColumns.seconds(backfill.createdAt), StateColumns.seconds(backfill.startedAt),
            StateColumns.seconds(backfill.finishedAt), StateColumns.seconds(backfill.updatedAt),
        ]
    }

    /// An alert's columns in `alerts` order, without its id.
    private func alertColumns(_ alert: AlertRecord) throws -> StatementArguments {
        [
            alert.fingerprint, alert.pipeline, alert.check, alert.table, alert.severity.rawValue, alert.status.rawValue,
            alert.title, alert.detail, alert.sql, try StateColumns.json(alert.sample), alert.runID, alert.occurrences,
            StateColumns.seconds(alert.openedAt), StateColumns.seconds(alert.lastSeenAt),
            StateColumns.seconds(alert.resolvedAt), alert.acknowledgedBy, StateColumns.seconds(alert.acknowledgedAt),
            StateColumns.seconds(alert.escalatedAt), alert.messageOutboxID,
        ]
    }
}
