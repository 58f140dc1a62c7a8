import Foundation
import SluiceCore
import StateStore
import Testing

@Suite("SQLiteStateStore")
struct SQLiteStateStoreTests {
    /// A whole-millisecond instant, so stored timestamps compare equal after a round trip.
    let t0 = Date(timeIntervalSince1970: 1_700_000_000.123)

    /// A fresh store file in a directory that does not exist yet (the store must create it).
    private func withTemporaryPath(_ body: (String) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("sluice-state-tests-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try await body(directory.appendingPathComponent("nested/state.sqlite").path)
    }

    private func plannedSteps() -> [StepRecord] {
        [
            StepRecord(runID: 0, stepID: "load:orders", kind: .load, dependsOn: []),
            StepRecord(runID: 0, stepID: "model:staging.stg_orders", kind: .model, dependsOn: ["load:orders"]),
            StepRecord(
                runID: 0, stepID: "check:not_null_stg_orders_order_id", kind: .check,
                dependsOn: ["model:staging.stg_orders"]),
        ]
    }

    private func insertRun(_ store: SQLiteStateStore, pipeline: String = "shop", at now: Date) async throws -> RunRecord {
        let steps = plannedSteps()
        return try await store.write { w in
            try w.insertRun(
                pipeline: pipeline, trigger: .manual, requestedBy: "U0123ABCD", rerunOf: nil, backfillDays: nil,
                steps: steps, at: now)
        }
    }

    private func sampleAlert(fingerprint: String = "shop/not_null/staging.stg_orders", at now: Date) -> AlertRecord {
        AlertRecord(
            id: 0, fingerprint: fingerprint, pipeline: "shop", check: "not_null", table: "staging.stg_orders",
            severity: .error, status: .open, title: "3 rows with null order_id", detail: "not_null failed",
            sql: "select * from staging.stg_orders where order_id is null", sample: ["row 1", "row 2"], runID: 1,
            openedAt: now, lastSeenAt: now)
    }

    @Test func runAndStepsRoundTrip() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let run = try await store.write { w in
                try w.insertRun(
                    pipeline: "shop", trigger: .backfill, requestedBy: "U0123ABCD", rerunOf: 7,
                    backfillDays: ["2024-03-01", "2024-03-02"], steps: self.plannedSteps(), at: t0)
            }
            #expect(run.pipeline == "shop")
            #expect(run.state == .queued)
            #expect(run.trigger == .backfill)
            #expect(run.rerunOf == 7)
            #expect(run.backfillDays == ["2024-03-01", "2024-03-02"])
            #expect(run.createdAt == t0)

            var started = run
            started.state = .running
            started.startedAt = t0.addingTimeInterval(1.5)
            var step = StepRecord(
                runID: run.id, stepID: "load:orders", kind: .load, dependsOn: [], state: .succeeded,
                startedAt: t0.addingTimeInterval(1.5), finishedAt: t0.addingTimeInterval(3.25), rows: 1200,
                bytesProcessed: 4096, bytesBilled: 10_485_760, detail: "2 bad records skipped")
            try await store.write { [started, step] w in
                try w.updateRun(started)
                try w.updateStep(step)
            }

            let (readRun, steps) = try await store.read { r in (try r.run(id: run.id), try r.steps(runID: run.id)) }
            #expect(readRun == started)
            #expect(steps.map(\.stepID) == ["load:orders", "model:staging.stg_orders", "check:not_null_stg_orders_order_id"])
            #expect(steps.allSatisfy { $0.runID == run.id })
            #expect(steps.first == step)
            #expect(steps[1].dependsOn == ["load:orders"])
            #expect(steps[1].state == .queued)

            step.stepID = "load:missing"
            await #expect(throws: StateStoreError.notFound("step load:missing of run \(run.id)")) {
                try await store.write { [step] w in try w.updateStep(step) }
            }
        }
    }

    @Test func atMostOneActiveRunPerPipeline() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let first = try await insertRun(store, at: t0)
            await #expect(throws: StateStoreError.activeRun(pipeline: "shop", runID: first.id)) {
                _ = try await insertRun(store, at: t0.addingTimeInterval(60))
            }
            let other = try await insertRun(store, pipeline: "billing", at: t0.addingTimeInterval(61))
            #expect(try await store.read { r in try r.activeRun(pipeline: "shop") } == first)

            var finished = first
            finished.state = .succeeded
            finished.finishedAt = t0.addingTimeInterval(120)
            try await store.write { [finished] w in try w.updateRun(finished) }
            #expect(try await store.read { r in try r.activeRun(pipeline: "shop") } == nil)

            let second = try await insertRun(store, at: t0.addingTimeInterval(180))
            #expect(second.id > first.id)

            var reactivated = finished
            reactivated.state = .running
            await #expect(throws: StateStoreError.activeRun(pipeline: "shop", runID: second.id)) {
                try await store.write { [reactivated] w in try w.updateRun(reactivated) }
            }

            let (shopRuns, latestShop, allRuns) = try await store.read { r in
                (try r.runs(pipeline: "shop", limit: 10), try r.runs(pipeline: "shop", limit: 1), try r.runs(pipeline: nil, limit: 10))
            }
            #expect(shopRuns.map(\.id) == [second.id, first.id])
            #expect(latestShop.map(\.id) == [second.id])
            #expect(allRuns.map(\.id) == [second.id, other.id, first.id])
        }
    }

    @Test func interruptRunAfterRestart() async throws {
        try await withTemporaryPath { path in
            let t0 = self.t0
            let runID: Int64
            let finishedID: Int64
            do {
                let store = try SQLiteStateStore(path: path)
                let done = try await insertRun(store, pipeline: "billing", at: t0)
                var finished = done
                finished.state = .succeeded
                try await store.write { [finished] w in try w.updateRun(finished) }
                finishedID = done.id

                let run = try await insertRun(store, at: t0)
                runID = run.id
                var running = run
                running.state = .running
                running.startedAt = t0
                try await store.write { [running] w in
                    try w.updateRun(running)
                    try w.updateStep(
                        StepRecord(
                            runID: running.id, stepID: "load:orders", kind: .load, dependsOn: [], state: .succeeded,
                            startedAt: t0, finishedAt: t0.addingTimeInterval(2)))
                    try w.updateStep(
                        StepRecord(
                            runID: running.id, stepID: "model:staging.stg_orders", kind: .model,
                            dependsOn: ["load:orders"], state: .running, startedAt: t0.addingTimeInterval(2)))
                }
            }

            let reopened = try SQLiteStateStore(path: path)
            let restart = t0.addingTimeInterval(300)
            let interrupted = try await reopened.write { w in
                [try w.interruptRun(id: finishedID, at: restart), try w.interruptRun(id: runID, at: restart)]
            }
            #expect(interrupted[0] == nil)
            let run = try #require(interrupted[1])
            #expect(run.state == .interrupted)
            #expect(run.finishedAt == restart)
            #expect(
                run.error == "interrupted: Sluice stopped while this run was in progress; "
                    + "rerun it with `sluice run shop` or `/sluice rerun \(runID)`")

            let (steps, finishedRun, active) = try await reopened.read { r in
                (try r.steps(runID: runID), try r.run(id: finishedID), try r.activeRun(pipeline: "shop"))
            }
            #expect(steps.map(\.state) == [.succeeded, .failed, .cancelled])
            #expect(steps[1].error == "interrupted")
            #expect(steps[1].finishedAt == restart)
            #expect(steps[2].error == nil)
            #expect(finishedRun?.state == .succeeded)
            #expect(active == nil)
            #expect(try await reopened.write { w in try w.interruptRun(id: runID, at: restart) } == nil)
        }
    }

    @Test func aFailedWriteLeavesNothingBehind() async throws {
        struct Abort: Error {}
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let alert = try await store.write { [t0] w in try w.insertAlert(self.sampleAlert(at: t0)) }
            await #expect(throws: Abort.self) {
                try await store.write { [t0] w in
                    _ = try w.enqueue(
                        channel: "#data-alerts", action: .post(threadOf: nil), message: SlackMessage(text: "boom"),
                        at: t0)
                    var acknowledged = alert
                    acknowledged.status = .acknowledged
                    acknowledged.acknowledgedBy = "U0123ABCD"
                    try w.updateAlert(acknowledged)
                    throw Abort()
                }
            }
            let (outbox, stored) = try await store.read { r in (try r.outbox(state: nil, limit: 10), try r.alert(id: alert.id)) }
            #expect(outbox.isEmpty)
            #expect(stored == alert)
        }
    }

    @Test func outboxDeliveryLifecycle() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let message = SlackMessage(
                text: "shop failed",
                blocks: [
                    .header("shop failed"),
                    .section(
                        text: "*load:orders* failed", fields: ["*Rows*\n1.2M", "*Cost*\n$0.02"],
                        accessory: Button(
                            text: "Rerun", actionID: "run.rerun", value: "42", style: "danger",
                            confirm: Confirmation(title: "Rerun?", text: "Rerun run *42* from its failed step"))),
                    .section(text: "plain section"),
                    .context(["<@U0123ABCD>", "2h 14m ago"]),
                    .divider,
                    .actions(
                        blockID: "alert:7",
                        [
                            Button(text: "Acknowledge", actionID: "alert.ack", value: "7", style: "primary"),
                            Button(text: "Mute 4h", actionID: "alert.mute.4h", value: "7"),
                        ]),
                    .actions(blockID: nil, [Button(text: "Details", actionID: "alert.details", value: "7")]),
                ])
            let (postID, replyID, editID) = try await store.write { w in
                let post = try w.enqueue(channel: "#shop-data", action: .post(threadOf: nil), message: message, at: t0)
                let reply = try w.enqueue(
                    channel: "#shop-data", action: .post(threadOf: post), message: SlackMessage(text: "details"),
                    at: t0.addingTimeInterval(1))
                let edit = try w.enqueue(
                    channel: "#shop-data", action: .update(target: post), message: SlackMessage(text: "resolved"),
                    at: t0.addingTimeInterval(2))
                return (post, reply, edit)
            }
            #expect(postID < replyID && replyID < editID)

            let post = try #require(try await store.read { r in try r.outboxEntry(id: postID) })
            #expect(post.message == message)
            #expect(post.action == .post(threadOf: nil))
            #expect(post.state == .pending)
            #expect(post.attempts == 0)
            #expect(post.notBefore == t0)
            #expect(post.createdAt == t0)

            let dueAtStart = try await store.read { r in try r.outbox(state: .pending, limit: 10).filter { $0.notBefore <= t0.addingTimeInterval(1) } }
            #expect(dueAtStart.map(\.id) == [postID, replyID])
            #expect(dueAtStart.last?.action == .post(threadOf: postID))

            let retryAt = t0.addingTimeInterval(30)
            try await store.write { w in
                try w.markSent(outboxID: postID, ts: "1700000000.000100", channelID: "C0FAKE0001")
                try w.markRetry(outboxID: replyID, error: "ratelimited", notBefore: retryAt)
                try w.markFailed(outboxID: editID, error: "message_not_found")
            }
            let (dueBefore, dueAfter, sent, failed, pending, reply, all) = try await store.read { r in
                (
                    try r.outbox(state: .pending, limit: 10).filter { $0.notBefore <= t0.addingTimeInterval(29) },
                    try r.outbox(state: .pending, limit: 10).filter { $0.notBefore <= retryAt },
                    try r.outbox(state: .sent, limit: 10),
                    try r.outbox(state: .failed, limit: 10),
                    try r.outbox(state: .pending, limit: 10),
                    try r.outboxEntry(id: replyID),
                    try r.outbox(state: nil, limit: 2)
                )
            }
            #expect(dueBefore.isEmpty)
            #expect(dueAfter.map(\.id) == [replyID])
            #expect(sent.map(\.id) == [postID])
            #expect(sent.first?.ts == "1700000000.000100")
            #expect(sent.first?.channelID == "C0FAKE0001")
            #expect(sent.first?.attempts == 1)
            #expect(failed.map(\.id) == [editID])
            #expect(failed.first?.action == .update(target: postID))
            #expect(failed.first?.lastError == "message_not_found")
            #expect(pending.map(\.id) == [replyID])
            #expect(reply?.attempts == 1)
            #expect(reply?.lastError == "ratelimited")
            #expect(reply?.notBefore == retryAt)
            #expect(all.map(\.id) == [postID, replyID])

            await #expect(throws: StateStoreError.notFound("outbox entry 999")) {
                try await store.write { w in try w.markSent(outboxID: 999, ts: "1.2", channelID: nil) }
            }
        }
    }

    @Test func alertsOneUnresolvedPerFingerprint() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let first = try await store.write { w in try w.insertAlert(self.sampleAlert(at: t0)) }
            #expect(first.id > 0)
            #expect(first.sample == ["row 1", "row 2"])
            #expect(try await store.read { r in try r.unresolvedAlert(fingerprint: first.fingerprint) } == first)

            await #expect(throws: (any Error).self) {
                _ = try await store.write { w in try w.insertAlert(self.sampleAlert(at: t0)) }
            }

            var resolved = first
            resolved.status = .resolved
            resolved.resolvedAt = t0.addingTimeInterval(600)
            resolved.occurrences = 3
            resolved.messageOutboxID = 12
            try await store.write { [resolved] w in try w.updateAlert(resolved) }
            #expect(try await store.read { r in try r.unresolvedAlert(fingerprint: first.fingerprint) } == nil)

            let second = try await store.write { w in
                try w.insertAlert(self.sampleAlert(at: t0.addingTimeInterval(900)))
            }
            let warning = try await store.write { w in
                var alert = self.sampleAlert(fingerprint: "shop/volume/raw.orders", at: t0)
                alert.severity = .warning
                alert.status = .acknowledged
                alert.acknowledgedBy = "U0123ABCD"
                alert.acknowledgedAt = t0.addingTimeInterval(5)
                alert.sample = []
                alert.sql = nil
                alert.table = nil
                return try w.insertAlert(alert)
            }
            let (unresolved, open, everything, limited, none, stored) = try await store.read { r in
                (
                    try r.unresolvedAlert(fingerprint: first.fingerprint),
                    try r.alerts(status: [.open], limit: 10),
                    try r.alerts(status: [.open, .acknowledged, .resolved], limit: 10),
                    try r.alerts(status: [.open, .acknowledged, .resolved], limit: 1),
                    try r.alerts(status: [], limit: 10),
                    try r.alert(id: first.id)
                )
            }
            #expect(unresolved == second)
            #expect(open.map(\.id) == [second.id])
            #expect(everything.map(\.id) == [warning.id, second.id, first.id])
            #expect(limited.map(\.id) == [warning.id])
            #expect(none.isEmpty)
            #expect(stored == resolved)
            #expect(everything.first?.table == nil)
            #expect(everything.first?.acknowledgedAt == t0.addingTimeInterval(5))
        }
    }

    @Test func mutesActiveEndedAndDeleted() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            let now = t0.addingTimeInterval(3600)
            let (ended, later, sooner, other) = try await store.write { w in
                (
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "raw.orders", createdBy: "U0123ABCD", reason: "maintenance", createdAt: t0,
                            endsAt: t0.addingTimeInterval(1800))),
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "shop", createdBy: "U0123ABCD", reason: nil, createdAt: t0,
                            endsAt: t0.addingTimeInterval(4 * 3600))),
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "shop", createdBy: "U0456", reason: "noisy", createdAt: t0,
                            endsAt: t0.addingTimeInterval(2 * 3600))),
                    try w.insertMute(
                        MuteRecord(
                            id: 0, target: "not_null", createdBy: "U0456", reason: nil, createdAt: t0,
                            endsAt: t0.addingTimeInterval(3 * 3600)))
                )
            }
            #expect(ended.reason == "maintenance")
            #expect(ended.endsAt == t0.addingTimeInterval(1800))
            let (active, unannounced) = try await store.read { r in
                (try r.activeMutes(at: now), try r.endedUnannouncedMutes(at: now))
            }
            #expect(active.map(\.id) == [sooner.id, other.id, later.id])
            #expect(unannounced == [ended])

            var announced = ended
            announced.endAnnouncedAt = now
            try await store.write { [announced] w in try w.updateMute(announced) }
            #expect(try await store.read { r in try r.endedUnannouncedMutes(at: now) }.isEmpty)

            let deleted = try await store.write { w in try w.deleteMutes(target: "shop", at: now) }
            #expect(deleted == 2)
            #expect(try await store.write { w in try w.deleteMutes(target: "raw.orders", at: now) } == 0)
            #expect(try await store.read { r in try r.activeMutes(at: now) } == [other])
        }
    }

    @Test func processedSlackEventsSurviveRestart() async throws {
        try await withTemporaryPath { path in
            let t0 = self.t0
            do {
                let store = try SQLiteStateStore(path: path)
                #expect(try await store.write { w in try w.markEventProcessed("Ev0123", at: t0) })
                #expect(try await store.write { w in try w.markEventProcessed("Ev0123", at: t0) } == false)
                #expect(try await store.write { w in try w.markEventProcessed("Ev0456", at: t0) })
            }
            let reopened = try SQLiteStateStore(path: path)
            #expect(try await reopened.write { w in try w.markEventProcessed("Ev0123", at: t0) } == false)
        }
    }

    @Test func watermarksCountsSettingsAndAudit() async throws {
        try await withTemporaryPath { path in
            let store = try SQLiteStateStore(path: path)
            let t0 = self.t0
            try await store.write { w in
                try w.setWatermark(pipeline: "shop", source: "orders", value: "2024-03-01T00:00:00Z")
                try w.setWatermark(pipeline: "shop", source: "orders", value: "2024-03-02T00:00:00Z")
                try w.setWatermark(pipeline: "shop", source: "customers", value: "17")
                try w.recordDailyCounts(
                    table: "raw.orders",
                    counts: [
                        DayCount(day: "2024-03-02", rows: 120), DayCount(day: "2024-03-01", rows: 100),
                        DayCount(day: "2024-03-03", rows: 90),
                    ])
                try w.recordDailyCounts(table: "raw.orders", counts: [DayCount(day: "2024-03-03", rows: 130)])
                try w.recordDailyCounts(table: "raw.customers", counts: [DayCount(day: "2024-03-03", rows: 5)])
                try w.setSetting("last_digest_day", value: "2024-03-02")
                try w.setSetting("last_digest_day", value: "2024-03-03")
                try w.appendAudit(AuditEntry(at: t0, actor: "U0123ABCD", action: "run", target: "shop", channel: "C01"))
                try w.appendAudit(
                    AuditEntry(
                        at: t0.addingTimeInterval(1), actor: "U0456", action: "mute", target: "raw.orders",
                        detail: "4h noisy", outcome: "refused"))
            }
            let (orders, customers, missing, all, since, setting, unset, audit, latest) = try await store.read { r in
                (
                    try r.watermark(pipeline: "shop", source: "orders"),
                    try r.watermark(pipeline: "shop", source: "customers"),
                    try r.watermark(pipeline: "billing", source: "orders"),
                    try r.dailyCounts(table: "raw.orders", since: nil),
                    try r.dailyCounts(table: "raw.orders", since: "2024-03-02"),
                    try r.setting("last_digest_day"),
                    try r.setting("unknown"),
                    try r.auditLog(limit: 10),
                    try r.auditLog(limit: 1)
                )
            }
            #expect(orders == "2024-03-02T00:00:00Z")
            #expect(customers == "17")
            #expect(missing == nil)
            #expect(
                all == [
                    DayCount(day: "2024-03-01", rows: 100), DayCount(day: "2024-03-02", rows: 120),
                    DayCount(day: "2024-03-03", rows: 130),
                ])
            #expect(since.map(\.day) == ["2024-03-02", "2024-03-03"])
            #expect(setting == "2024-03-03")
            #expect(unset == nil)
            #expect(audit.map(\.action) == ["mute", "run"])
            #expect(audit.first?.outcome == "refused")
            #expect(audit.first?.detail == "4h noisy")
            #expect(audit.first?.at == t0.addingTimeInterval(1))
            #expect(audit.last?.channel == "C01")
            #expect(audit.first?.channel == nil)
            #expect(latest.map(\.id) == [audit.first?.id ?? -1])
        }
    }

    @Test func reopeningKeepsDataAndSchema() async throws {
        try await withTemporaryPath { path in
            let first = try SQLiteStateStore(path: path)
            let run = try await insertRun(first, at: t0)
            try await first.write { w in try w.setSetting("k", value: "v") }
            #expect(await first.isReachable())

            let second = try SQLiteStateStore(path: path)
            let third = try SQLiteStateStore(path: path)
            #expect(second.path == path)
            let (stored, setting) = try await third.read { r in (try r.run(id: run.id), try r.setting("k")) }
            #expect(stored == run)
            #expect(setting == "v")
            #expect(await second.isReachable())
        }
    }

    @Test func unusablePathIsReportedAsUnavailable() async throws {
        try await withTemporaryPath { path in
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let blocker = directory.appendingPathComponent("nested")
            try Data("not a directory".utf8).write(to: blocker)
            let error = #expect(throws: StateStoreError.self) { try SQLiteStateStore(path: path) }
            guard case let .unavailable(reason) = error else {
                Issue.record("expected .unavailable, got \(String(describing: error))")
                return
            }
            #expect(reason.contains(path))
            #expect(reason.contains("SLUICE_STATE"))
        }
    }
}
