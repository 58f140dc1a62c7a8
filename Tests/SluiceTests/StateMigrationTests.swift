import Foundation
import GRDB
import SluiceCore
@testable import StateStore
import Testing

@Suite("State store migrations")
struct StateMigrationTests {
    /// A state file as Sluice wrote it before checks had their own status column: a warning was a
    /// `warn: ` prefix of the step's detail.
    @Test func aCheckVerdictWrittenAsADetailPrefixBecomesItsOwnColumn() async throws {
        let workspace = try Workspace()
        let path = workspace.path("state.sqlite")
        let pool = try DatabasePool(path: path)
        try StateMigrations.migrator.migrate(pool, upTo: "v4-runs-by-time")
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, pipeline, state, run_trigger, requested_by, created_at) VALUES (1, 'shop', 'failed', 'manual', 'cli', 0);
                INSERT INTO steps (run_id, step_id, position, kind, depends_on, state, detail, error) VALUES
                  (1, 'load:raw.orders', 0, 'load', '[]', 'succeeded', '5K loaded, 5K in table', NULL),
                  (1, 'check:fresh', 1, 'check', '[]', 'succeeded', 'warn: raw.orders is 4h old (warn after 3h; newest updated_at …)', NULL),
                  (1, 'check:unique', 2, 'check', '[]', 'succeeded', 'no duplicate order_id in raw.orders', NULL),
                  (1, 'check:not_null', 3, 'check', '[]', 'failed', NULL, '3 rows of raw.orders have NULL customer'),
                  (1, 'check:volume', 4, 'check', '[]', 'failed', NULL, 'check volume could not run: no such table'),
                  (1, 'check:kept', 5, 'check', '[]', 'succeeded', 'kept from run 0', NULL),
                  (1, 'check:skipped', 6, 'check', '[]', 'skipped', 'skipped: load:raw.orders did not succeed', NULL);
                """)
        }
        try pool.close()

        let store = try SQLiteStateStore(path: path)
        let steps = Dictionary(uniqueKeysWithValues: try await store.read { try $0.steps(runID: 1) }.map { ($0.stepID, $0) })
        #expect(steps["check:fresh"]?.checkStatus == .warn)
        #expect(steps["check:fresh"]?.detail == "raw.orders is 4h old (warn after 3h; newest updated_at …)")
        #expect(steps["check:unique"]?.checkStatus == .pass)
        #expect(steps["check:not_null"]?.checkStatus == .fail)
        #expect(steps["check:volume"]?.checkStatus == nil, "a check that could not run has no verdict")
        #expect(steps["check:kept"]?.checkStatus == nil)
        #expect(steps["check:skipped"]?.checkStatus == nil)
        #expect(steps["load:raw.orders"]?.checkStatus == nil)
        #expect(steps["load:raw.orders"]?.detail == "5K loaded, 5K in table")
    }

    /// A state file from before runs recorded full refreshes: its runs read back as not full
    /// refreshes, and a full refresh written afterwards keeps its flag through updates.
    @Test func runsWrittenBeforeFullRefreshesWereRecordedAreNotFullRefreshes() async throws {
        let workspace = try Workspace()
        let path = workspace.path("state.sqlite")
        let pool = try DatabasePool(path: path)
        try StateMigrations.migrator.migrate(pool, upTo: "v6-source-files")
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO runs (id, pipeline, state, run_trigger, requested_by, created_at) VALUES (1, 'shop', 'interrupted', 'manual', 'cli', 0);
                """)
        }
        try pool.close()

        let store = try SQLiteStateStore(path: path)
        #expect(try await store.read { try $0.run(id: 1) }?.fullRefresh == false)
        let inserted = try await store.write { writer -> RunRecord in
            var run = try writer.insertRun(
                pipeline: "shop", trigger: .rerun, requestedBy: "cli", rerunOf: 1, backfillDays: nil, steps: [],
                at: Date(timeIntervalSince1970: 60))
            #expect(!run.fullRefresh)
            run.fullRefresh = true
            try writer.updateRun(run)
            return run
        }
        #expect(try await store.read { try $0.run(id: inserted.id) }?.fullRefresh == true)
        #expect(try await store.read { try $0.runs(pipeline: "shop", limit: 5) }.map(\.fullRefresh) == [true, false])
    }

    /// An outbox from before replies could wait in it: rebuilt with every row, id and state kept,
    /// new ids after the old ones, and replies accepted.
    @Test func theOutboxRebuiltForRepliesKeepsEveryEntry() async throws {
        let workspace = try Workspace()
        let path = workspace.path("state.sqlite")
        let pool = try DatabasePool(path: path)
        try StateMigrations.migrator.migrate(pool, upTo: "v9-outbox-sending-since")
        try await pool.write { db in
            try db.execute(sql: """
                INSERT INTO outbox (id, channel, kind, thread_of, target, message, state, attempts, not_before, ts, created_at, channel_id, sending_since)
                VALUES (41, '#alerts', 'post', NULL, NULL, '{"text":"alert","blocks":[]}', 'sent', 1, 0, '1.1', 0, 'C1', NULL),
                       (42, '#alerts', 'update', NULL, 41, '{"text":"alert (2×)","blocks":[]}', 'pending', 0, 0, NULL, 1, NULL, NULL),
                       (43, '#alerts', 'post', 41, NULL, '{"text":"again","blocks":[]}', 'pending', 2, 5, NULL, 2, NULL, 3);
                """)
        }
        try pool.close()

        let store = try SQLiteStateStore(path: path)
        let entries = try await store.read { try $0.outbox(state: nil, limit: 10) }
        #expect(entries.map(\.id) == [41, 42, 43])
        #expect(entries.map(\.action) == [.post(threadOf: nil), .update(target: 41), .post(threadOf: 41)])
        #expect(entries.map(\.state) == [.sent, .pending, .pending])
        #expect(entries[0].ts == "1.1" && entries[0].channelID == "C1")
        #expect(entries[2].attempts == 2 && entries[2].sendingSince == Date(timeIntervalSince1970: 3))
        let reply = InteractiveReply(responseURL: "https://hooks.slack.com/commands/T1/2/x", user: "U1", threadTS: nil, ephemeral: true)
        let id = try await store.write { try $0.enqueue(channel: "C2", action: .reply(reply), message: SlackMessage(text: "answer"), at: Date()) }
        #expect(id == 44, "ids go on after the old ones")
        #expect(try await store.read { try $0.outboxEntry(id: id)?.action } == .reply(reply))
    }
}
