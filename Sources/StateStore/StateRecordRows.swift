import Foundation
import GRDB
import SluiceCore

extension RunRecord {
    /// Reads a `runs` row.
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            pipeline: try row.decode(forColumn: "pipeline"),
            state: try StateColumns.enumValue(RunState.self, row, "state", table: "runs"),
            trigger: try StateColumns.enumValue(RunTrigger.self, row, "run_trigger", table: "runs"),
            requestedBy: try row.decode(forColumn: "requested_by"),
            rerunOf: try row.decode(forColumn: "rerun_of"),
            backfillDays: try StateColumns.decodeOptionalJSON([String].self, row, "backfill_days"),
            createdAt: try StateColumns.date(row, "created_at"),
            startedAt: try StateColumns.optionalDate(row, "started_at"),
            finishedAt: try StateColumns.optionalDate(row, "finished_at"),
            error: try row.decode(forColumn: "error"),
            fullRefresh: try row.decode(forColumn: "full_refresh"))
    }
}

extension StepRecord {
    /// Reads a `steps` row.
    init(row: Row) throws {
        self.init(
            runID: try row.decode(forColumn: "run_id"),
            stepID: try row.decode(forColumn: "step_id"),
            kind: try StateColumns.enumValue(StepKind.self, row, "kind", table: "steps"),
            dependsOn: try StateColumns.decodeJSON([String].self, row, "depends_on"),
            state: try StateColumns.enumValue(StepState.self, row, "state", table: "steps"),
            startedAt: try StateColumns.optionalDate(row, "started_at"),
            finishedAt: try StateColumns.optionalDate(row, "finished_at"),
            rows: try row.decode(forColumn: "row_count"),
            bytesProcessed: try row.decode(forColumn: "bytes_processed"),
            bytesBilled: try row.decode(forColumn: "bytes_billed"),
            detail: try row.decode(forColumn: "detail"),
            error: try row.decode(forColumn: "error"),
            checkStatus: try StateColumns.optionalEnumValue(CheckStatus.self, row, "check_status", table: "steps"))
    }
}

extension AlertRecord {
    /// Reads an `alerts` row.
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            fingerprint: try row.decode(forColumn: "fingerprint"),
            pipeline: try row.decode(forColumn: "pipeline"),
            check: try row.decode(forColumn: "check_name"),
            table: try row.decode(forColumn: "table_name"),
            severity: try StateColumns.enumValue(AlertSeverity.self, row, "severity", table: "alerts"),
            status: try StateColumns.enumValue(AlertStatus.self, row, "status", table: "alerts"),
            title: try row.decode(forColumn: "title"),
            detail: try row.decode(forColumn: "detail"),
            sql: try row.decode(forColumn: "sql_text"),
            sample: try StateColumns.decodeJSON([String].self, row, "sample"),
            runID: try row.decode(forColumn: "run_id"),
            occurrences: try row.decode(forColumn: "occurrences"),
            openedAt: try StateColumns.date(row, "opened_at"),
            lastSeenAt: try StateColumns.date(row, "last_seen_at"),
            resolvedAt: try StateColumns.optionalDate(row, "resolved_at"),
            acknowledgedBy: try row.decode(forColumn: "acknowledged_by"),
            acknowledgedAt: try StateColumns.optionalDate(row, "acknowledged_at"),
            escalatedAt: try StateColumns.optionalDate(row, "escalated_at"),
            messageOutboxID: try row.decode(forColumn: "message_outbox_id"))
    }
}

extension MuteRecord {
    /// Reads a `mutes` row.
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            target: try row.decode(forColumn: "target"),
            createdBy: try row.decode(forColumn: "created_by"),
            reason: try row.decode(forColumn: "reason"),
            createdAt: try StateColumns.date(row, "created_at"),
            endsAt: try StateColumns.date(row, "ends_at"),
            endAnnouncedAt: try StateColumns.optionalDate(row, "end_announced_at"))
    }
}

extension OutboxEntry {
    /// Reads an `outbox` row; the action is the `kind`, `thread_of` and `target` columns.
    init(row: Row) throws {
        let id: Int64 = try row.decode(forColumn: "id")
        let kind = try row.decode(String.self, forColumn: "kind")
        let action: OutboxAction
        switch kind {
        case "post":
            action = .post(threadOf: try row.decode(forColumn: "thread_of"))
        case "update":
            guard let target = try row.decode(Int64?.self, forColumn: "target") else {
                throw StateStoreError.unavailable(
                    "outbox entry \(id) is an update without a target message; mark it failed or delete it")
            }
            action = .update(target: target)
        case "reply":
            action = .reply(try StateColumns.decodeJSON(InteractiveReply.self, row, "reply"))
        default:
            throw StateStoreError.unavailable(
                "outbox entry \(id) has the unknown kind \"\(kind)\"; the state file was probably written "
                    + "by a newer version, so upgrade Sluice")
        }
        self.init(
            id: id,
            channel: try row.decode(forColumn: "channel"),
            action: action,
            message: try StateColumns.decodeJSON(SlackMessage.self, row, "message"),
            state: try StateColumns.enumValue(OutboxState.self, row, "state", table: "outbox"),
            attempts: try row.decode(forColumn: "attempts"),
            notBefore: try StateColumns.date(row, "not_before"),
            ts: try row.decode(forColumn: "ts"),
            channelID: try row.decode(forColumn: "channel_id"),
            lastError: try row.decode(forColumn: "last_error"),
            failureReason: try row.decode(forColumn: "failure_reason"),
            sendingSince: try StateColumns.optionalDate(row, "sending_since"),
            createdAt: try StateColumns.date(row, "created_at"))
    }
}

extension AuditEntry {
    /// Reads an `audit_log` row.
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            at: try StateColumns.date(row, "at"),
            actor: try row.decode(forColumn: "actor"),
            action: try row.decode(forColumn: "action"),
            target: try row.decode(forColumn: "target"),
            detail: try row.decode(forColumn: "detail"),
            channel: try row.decode(forColumn: "channel"),
            outcome: try row.decode(forColumn: "outcome"))
    }
}

extension BackfillRecord {
    /// Reads a `backfills` row.
    init(row: Row) throws {
        self.init(
            id: try row.decode(forColumn: "id"),
            pipeline: try row.decode(forColumn: "pipeline"),
            days: try StateColumns.decodeJSON([String].self, row, "days"),
            completedDays: try StateColumns.decodeJSON([String].self, row, "completed_days"),
            currentDay: try row.decode(forColumn: "current_day"),
            state: try StateColumns.enumValue(BackfillState.self, row, "state", table: "backfills"),
            requestedBy: try row.decode(forColumn: "requested_by"),
            channel: try row.decode(forColumn: "channel"),
            progressOutboxID: try row.decode(forColumn: "progress_outbox_id"),
            runIDs: try StateColumns.decodeJSON([Int64].self, row, "run_ids"),
            cancelRequestedBy: try row.decode(forColumn: "cancel_requested_by"),
            owner: try row.decode(forColumn: "owner"),
            error: try row.decode(forColumn: "error"),
            createdAt: try StateColumns.date(row, "created_at"),
            startedAt: try StateColumns.optionalDate(row, "started_at"),
            finishedAt: try StateColumns.optionalDate(row, "finished_at"),
            updatedAt: try StateColumns.date(row, "updated_at"))
    }
}
