import GRDB

/// The state store's schema, as named, versioned migrations. A shipped migration is never edited:
/// later schema changes are new migrations appended to `migrator`.
enum StateMigrations {
    /// Every migration, in the order they apply.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1", migrate: createSchema)
        migrator.registerMigration("v2-outbox-channel-id") { db in
            // chat.update needs the channel id Slack answered with, not the name the message was posted to.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN channel_id TEXT")
        }
        migrator.registerMigration("v3-backfills", migrate: createBackfills)
        migrator.registerMigration("v4-runs-by-time") { db in
            // Cost figures and the digest read runs by creation time.
            try db.execute(sql: "CREATE INDEX runs_created_at ON runs (created_at)")
        }
        migrator.registerMigration("v5-step-check-status", migrate: addCheckStatus)
        migrator.registerMigration("v6-source-files", migrate: createSourceFiles)
        migrator.registerMigration("v7-run-full-refresh") { db in
            // A full refresh is a property of the run, so a rerun of an interrupted one is one too.
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN full_refresh INTEGER NOT NULL DEFAULT 0")
        }
        migrator.registerMigration("v8-outbox-failure-reason") { db in
            // Why Slack refused an entry for good (its error name), counted by reason in /metrics.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN failure_reason TEXT")
        }
        migrator.registerMigration("v9-outbox-sending-since") { db in
            // When a post was first sent without Slack's answer being recorded: it may be in Slack
            // already, so the next attempt looks for it before posting again.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN sending_since REAL")
        }
        migrator.registerMigration("v10-outbox-replies", migrate: addOutboxReplies)
        migrator.registerMigration("v11-outbox-collapse-key") { db in
            // Messages with the same key say the same thing more up to date (an alert's "failed
            // again" note): a later one makes an earlier one not yet sent moot.
            try db.execute(sql: "ALTER TABLE outbox ADD COLUMN collapse_key TEXT")
            try db.execute(sql: "CREATE INDEX outbox_collapse_key ON outbox (collapse_key) WHERE collapse_key IS NOT NULL")
        }
        return migrator
    }

    /// Interactive answers in the outbox (kind `reply`): the table is rebuilt, as SQLite cannot
    /// change a CHECK constraint, keeping every row and id.
    private static func addOutboxReplies(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE outbox_v10 (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    channel TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    thread_of INTEGER,
                    target INTEGER,
                    message TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    not_before REAL NOT NULL,
                    ts TEXT,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    channel_id TEXT,
                    failure_reason TEXT,
                    sending_since REAL,
                    reply TEXT,
                    CHECK ((kind = 'post' AND target IS NULL AND reply IS NULL)
                        OR (kind = 'update' AND target IS NOT NULL AND thread_of IS NULL AND reply IS NULL)
                        OR (kind = 'reply' AND reply IS NOT NULL AND target IS NULL AND thread_of IS NULL))
                );
                INSERT INTO outbox_v10 (id, channel, kind, thread_of, target, message, state, attempts, not_before, ts, last_error,
                    created_at, channel_id, failure_reason, sending_since)
                SELECT id, channel, kind, thread_of, target, message, state, attempts, not_before, ts, last_error,
                    created_at, channel_id, failure_reason, sending_since FROM outbox;
                DROP TABLE outbox;
                ALTER TABLE outbox_v10 RENAME TO outbox;
                CREATE INDEX outbox_by_state ON outbox(state, not_before);
                """)
    }

    /// The files each load has read, so that a run reads new and changed files whole and skips only
    /// the ones read before unchanged (see `SourceFileRule`).
    private static func createSourceFiles(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE source_files (
                    pipeline TEXT NOT NULL,
                    source TEXT NOT NULL,
                    table_name TEXT NOT NULL,
                    path TEXT NOT NULL,
                    size INTEGER NOT NULL,
                    modified_ns INTEGER NOT NULL,
                    digest TEXT NOT NULL,
                    PRIMARY KEY (pipeline, source, table_name, path)
                )
                """)
    }

    /// A check step's verdict gets its own column. Earlier versions wrote a warning as a `warn: `
    /// prefix of `detail`: those rows become `warn` with the prefix removed, other succeeded checks
    /// `pass`, failed checks that ran `fail` (a check that could not run failed with `check NAME
    /// could not run: …` and keeps no verdict). Kept steps (`kept from run N`) have none.
    private static func addCheckStatus(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE steps ADD COLUMN check_status TEXT;
                UPDATE steps SET check_status = 'warn', detail = substr(detail, 7)
                    WHERE kind = 'check' AND state = 'succeeded' AND detail LIKE 'warn: %';
                UPDATE steps SET check_status = 'pass'
                    WHERE kind = 'check' AND state = 'succeeded' AND check_status IS NULL
                      AND (detail IS NULL OR detail NOT LIKE 'kept from run %');
                UPDATE steps SET check_status = 'fail'
                    WHERE kind = 'check' AND state = 'failed' AND (error IS NULL OR error NOT LIKE 'check % could not run: %');
                """)
    }

    /// Backfills: one row per confirmed backfill, with the days done so far, so that a cancelled,
    /// failed or crashed backfill resumes from its first unfinished day. At most one queued or
    /// running backfill per pipeline.
    private static func createBackfills(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE backfills (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    pipeline TEXT NOT NULL,
                    days TEXT NOT NULL,
                    completed_days TEXT NOT NULL,
                    current_day TEXT,
                    state TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    channel TEXT NOT NULL,
                    progress_outbox_id INTEGER,
                    run_ids TEXT NOT NULL,
                    cancel_requested_by TEXT,
                    owner TEXT,
                    error TEXT,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    updated_at REAL NOT NULL
                );
                CREATE UNIQUE INDEX backfills_one_active_per_pipeline ON backfills(pipeline)
                    WHERE state IN ('queued', 'running');
                CREATE INDEX backfills_by_pipeline ON backfills(pipeline, id);
                """)
    }

    /// The first schema. Timestamps are UTC seconds since 1970 (REAL); enums are stored by raw value;
    /// lists are JSON array text.
    private static func createSchema(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    pipeline TEXT NOT NULL,
                    state TEXT NOT NULL,
                    run_trigger TEXT NOT NULL,
                    requested_by TEXT NOT NULL,
                    rerun_of INTEGER,
                    backfill_days TEXT,
                    created_at REAL NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    error TEXT
                );
                CREATE UNIQUE INDEX runs_one_active_per_pipeline ON runs(pipeline)
                    WHERE state IN ('queued', 'running');
                CREATE INDEX runs_by_pipeline ON runs(pipeline, id);

                CREATE TABLE steps (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    step_id TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    kind TEXT NOT NULL,
                    depends_on TEXT NOT NULL,
                    state TEXT NOT NULL,
                    started_at REAL,
                    finished_at REAL,
                    row_count INTEGER,
                    bytes_processed INTEGER NOT NULL DEFAULT 0,
                    bytes_billed INTEGER NOT NULL DEFAULT 0,
                    detail TEXT,
                    error TEXT,
                    PRIMARY KEY (run_id, step_id)
                );

                CREATE TABLE watermarks (
                    pipeline TEXT NOT NULL,
                    source TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (pipeline, source)
                );

                CREATE TABLE daily_counts (
                    table_name TEXT NOT NULL,
                    day TEXT NOT NULL,
                    row_count INTEGER NOT NULL,
                    PRIMARY KEY (table_name, day)
                );

                CREATE TABLE alerts (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    fingerprint TEXT NOT NULL,
                    pipeline TEXT NOT NULL,
                    check_name TEXT NOT NULL,
                    table_name TEXT,
                    severity TEXT NOT NULL,
                    status TEXT NOT NULL,
                    title TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    sql_text TEXT,
                    sample TEXT NOT NULL,
                    run_id INTEGER NOT NULL,
                    occurrences INTEGER NOT NULL,
                    opened_at REAL NOT NULL,
                    last_seen_at REAL NOT NULL,
                    resolved_at REAL,
                    acknowledged_by TEXT,
                    acknowledged_at REAL,
                    escalated_at REAL,
                    message_outbox_id INTEGER
                );
                CREATE UNIQUE INDEX alerts_one_unresolved_per_fingerprint ON alerts(fingerprint)
                    WHERE status != 'resolved';
                CREATE INDEX alerts_by_status ON alerts(status, id);

                CREATE TABLE mutes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    target TEXT NOT NULL,
                    created_by TEXT NOT NULL,
                    reason TEXT,
                    created_at REAL NOT NULL,
                    ends_at REAL NOT NULL,
                    end_announced_at REAL
                );
                CREATE INDEX mutes_by_end ON mutes(ends_at);

                CREATE TABLE outbox (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    channel TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    thread_of INTEGER,
                    target INTEGER,
                    message TEXT NOT NULL,
                    state TEXT NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    not_before REAL NOT NULL,
                    ts TEXT,
                    last_error TEXT,
                    created_at REAL NOT NULL,
                    CHECK ((kind = 'post' AND target IS NULL)
                        OR (kind = 'update' AND target IS NOT NULL AND thread_of IS NULL))
                );
                CREATE INDEX outbox_by_state ON outbox(state, not_before);

                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    at REAL NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    target TEXT NOT NULL,
                    detail TEXT NOT NULL,
                    channel TEXT,
                    outcome TEXT NOT NULL
                );

                CREATE TABLE slack_events (
                    event_id TEXT PRIMARY KEY NOT NULL,
                    processed_at REAL NOT NULL
                );

                CREATE TABLE settings (
                    key TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                );
                """)
    }
}
