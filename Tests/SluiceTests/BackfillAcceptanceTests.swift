import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// Backfills end to end over signed HTTP on the demo shop: exactly the asked days replaced, one
/// progress message edited, cancelled and crashed backfills resumed from their first unfinished day.
@Suite("Backfills over signed HTTP on the demo shop")
struct BackfillAcceptanceTests: BackfillSuite {
    static let delta = 1000.0

    @Test func aTenDayBackfillReplacesExactlyThoseDaysAndEditsOneProgressMessage() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days) = try await Self.prepared(slack)
            let routes = harness.routeTask()
            defer { routes.cancel() }
            let before = try await Snapshot(harness, days)
            try harness.raiseTotals(on: Set(days), by: Self.delta)

            // The preview answers at once, with figures that match the warehouse.
            try await harness.command("backfill shop \(days[0]) \(days[9])", responseURL: slack.responseURL("preview"))
            let preview = try #require(try await slack.waitForCallsTo(responseURL: "preview", count: 1).first?.body)
            let text = preview.description
            let pipeline = try #require(harness.manifest.pipeline(named: "shop"))
            var perDay: Int64 = 0
            var perModel: [String: Int64] = [:]
            for job in PlannedJobs.of(pipeline, dialect: .sqlite, backfill: true) {
                let processed = try await harness.warehouse.estimateBytes(of: job.query)
                let billed = CostModel.billedEstimate(bytesProcessed: processed, referencedTables: job.query.referencedTables)
                if job.kind == .model { perModel[job.name] = billed }
                perDay += billed
            }
            #expect(perModel.count == 5)
            let bytes = perDay * 10
            #expect(bytes > 0)
            #expect(preview["response_type"]?.string == "ephemeral")
            #expect(text.contains("\(days[0]) → \(days[9]) (10 days"))
            #expect(text.contains("*Partitions replaced:* `raw.orders` by `order_date`"))
            #expect(text.contains("`raw.order_items`"))
            #expect(text.contains("*Models rebuilt* (5): `staging.stg_orders`"))
            #expect(text.contains("`mart.daily_sales` (\(Format.bytes(perModel["mart.daily_sales"] ?? -1))/day)"))
            #expect(text.contains("\(Format.bytes(bytes)) billed ≈ \(Format.dollars(CostModel.dollars(bytes: bytes, pricePerTiB: 6.25)))"))
            #expect(text.contains("of the $5.00 daily budget"))
            #expect(text.contains("This is an estimate"))
            let value = try #require(preview.buttonValue(BackfillMessages.Action.confirm))
            #expect(value == "shop \(days[0]) \(days[9])")

            // A bystander may not confirm; Cancel discards the preview. Neither starts anything.
            try await harness.press(
                BackfillMessages.Action.confirm, value: value, user: BackfillHarness.bystanderID,
                responseURL: slack.responseURL("refused"))
            #expect(try await slack.waitForCallsTo(responseURL: "refused", count: 1).first?.body.description.contains("only operators") == true)
            try await harness.press(BackfillMessages.Action.discard, value: value, responseURL: slack.responseURL("discard"))
            #expect(try await slack.waitForCallsTo(responseURL: "discard", count: 1).first?.body.description.contains("discarded") == true)
            #expect(try await harness.state.read { try $0.backfills(pipeline: nil, limit: 5) }.isEmpty)

            // Confirm starts it; it runs one day at a time to the end.
            try await harness.press(BackfillMessages.Action.confirm, value: value, responseURL: slack.responseURL("confirm"))
            let confirmed = try #require(try await slack.waitForCallsTo(responseURL: "confirm", count: 1).first?.body)
            #expect(confirmed.description.contains("Backfill 1 of `shop` started: 10 days"))
            try await harness.finish()

            let backfill = try #require(try await harness.state.read { try $0.backfill(id: 1) })
            #expect(backfill.state == .succeeded)
            #expect(backfill.completedDays == days)
            #expect(backfill.requestedBy == BackfillHarness.operatorID)
            let runs = try await Self.backfillRuns(harness)
            #expect(runs.count == 10)
            #expect(runs.allSatisfy { $0.state == .succeeded })
            #expect(runs.compactMap(\.backfillDays).sorted { $0[0] < $1[0] } == days.map { [$0] })
            #expect(backfill.runIDs == runs.map(\.id).sorted())
            let steps = try await harness.state.read { try $0.steps(runID: runs[0].id) }
            #expect(steps.first { $0.stepID == "load:raw.order_items" }?.detail?.contains("not reloaded") == true)
            #expect(steps.first { $0.stepID == "model:staging.stg_customers" }?.detail == "not affected by the backfill")

            // Exactly those days changed, in raw.orders and in the mart; every other day is byte-identical.
            let after = try await Snapshot(harness, days)
            #expect(!before.ordersOutside.isEmpty && !before.salesOutside.isEmpty)
            #expect(after.ordersOutside == before.ordersOutside)
            #expect(after.salesOutside == before.salesOutside)
            try Self.expectRaised(after, from: before, on: days)
            try Self.expectRevenue(after, matches: try harness.expectedRevenue(on: days), on: days, before: before)

            // One progress message, posted once and edited as it went, ending with the outcome.
            let top = await slack.topLevelMessages(in: Self.channel)
            #expect(top.count == 1)
            let progress = try #require(top.first)
            #expect(progress.text == "Backfill 1 of shop: succeeded, 10/10 days")
            #expect(progress.edits >= 1)
            #expect(try await harness.enqueuedEdits().contains { $0.hasPrefix("Backfill 1 of shop: running") })
            #expect(progress.blocks.description.contains("Replaced: \(days[0]) → \(days[9])"))
            #expect(progress.blocks.buttonValue(BackfillMessages.Action.cancel) == nil)
            #expect(await Self.posts(slack).count == 1)
            let updates = await slack.calls(method: "chat.update").filter { $0.body["ts"]?.string == progress.ts }
            #expect(updates.count == progress.edits)

            let audit = try await harness.state.read { try $0.auditLog(limit: 50) }
            #expect(audit.contains { $0.action == "backfill.preview" && $0.actor == BackfillHarness.operatorID && $0.outcome == "done" })
            #expect(audit.contains { $0.action == "backfill.confirm" && $0.actor == BackfillHarness.bystanderID && $0.outcome == "refused" })
            #expect(audit.contains { $0.action == "backfill.discard" && $0.outcome == "done" })
            #expect(audit.contains {
                $0.action == "backfill.confirm" && $0.actor == BackfillHarness.operatorID && $0.outcome == "done"
                    && $0.detail.contains("backfill 1: 10 days") && $0.channel == Self.channel
            })
        }
    }

    @Test func aCancelledBackfillStopsBetweenDaysAndResumesFromItsFirstUnfinishedDay() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days) = try await Self.prepared(slack)
            let routes = harness.routeTask()
            defer { routes.cancel() }
            let before = try await Snapshot(harness, days)
            try harness.raiseTotals(on: Set(days), by: Self.delta)
            harness.gate.hold(days[3])

            try await harness.command("backfill shop \(days[0]) \(days[9])", responseURL: slack.responseURL("preview"))
            let preview = try #require(try await slack.waitForCallsTo(responseURL: "preview", count: 1).first?.body)
            let value = try #require(preview.buttonValue(BackfillMessages.Action.confirm))
            try await harness.press(BackfillMessages.Action.confirm, value: value, responseURL: slack.responseURL("confirm"))
            _ = try await slack.waitForCallsTo(responseURL: "confirm", count: 1)

            // Days 1–3 are done and day 4 is loading: press Cancel on the progress message.
            try await harness.gate.waitForArrival(of: days[3])
            try await harness.sender.deliverDue()
            let running = try #require(await slack.topLevelMessages(in: Self.channel).first)
            #expect(running.text.hasPrefix("Backfill 1 of shop: running"))
            let cancelValue = try #require(running.blocks.buttonValue(BackfillMessages.Action.cancel))
            try await harness.press(
                BackfillMessages.Action.cancel, value: cancelValue, user: BackfillHarness.bystanderID,
                responseURL: slack.responseURL("cancel-refused"))
            #expect(try await slack.waitForCallsTo(responseURL: "cancel-refused", count: 1).first?.body.description.contains("only operators") == true)
            try await harness.press(BackfillMessages.Action.cancel, value: cancelValue, responseURL: slack.responseURL("cancel"))
            let cancelReply = try #require(try await slack.waitForCallsTo(responseURL: "cancel", count: 1).first?.body)
            #expect(cancelReply.description.contains("stops once \(days[3]) is replaced"))
            harness.gate.open()
            try await harness.finish()

            // It stopped between days: the day in progress finished, nothing after it ran.
            let cancelled = try #require(try await harness.state.read { try $0.backfill(id: 1) })
            #expect(cancelled.state == .cancelled)
            #expect(cancelled.completedDays == Array(days[0..<4]))
            #expect(cancelled.cancelRequestedBy == BackfillHarness.operatorID)
            #expect(try await Self.backfillRuns(harness).count == 4)
            let middle = try await Snapshot(harness, days)
            #expect(middle.ordersOutside == before.ordersOutside)
            #expect(middle.salesOutside == before.salesOutside)
            try Self.expectRaised(middle, from: before, on: Array(days[0..<4]))
            #expect(middle.orders(on: Array(days[4...])) == before.orders(on: Array(days[4...])))
            #expect(middle.sales(on: Array(days[4...])) == before.sales(on: Array(days[4...])))

            let stopped = try #require(await slack.topLevelMessages(in: Self.channel).first)
            #expect(stopped.ts == running.ts)
            #expect(stopped.text == "Backfill 1 of shop: cancelled, 4/10 days")
            #expect(stopped.blocks.description.contains("Replaced: \(days[0]) → \(days[3])"))
            #expect(stopped.blocks.description.contains("Not replaced: \(days[4]) → \(days[9])"))
            let resumeValue = try #require(stopped.blocks.buttonValue(BackfillMessages.Action.resume))

            // Resume continues from day 5; days 1–4 are not redone.
            try await harness.press(BackfillMessages.Action.resume, value: resumeValue, responseURL: slack.responseURL("resume"))
            let resumed = try #require(try await slack.waitForCallsTo(responseURL: "resume", count: 1).first?.body)
            #expect(resumed.description.contains("resumed from \(days[4])"))
            try await harness.finish()

            let finished = try #require(try await harness.state.read { try $0.backfill(id: 1) })
            #expect(finished.state == .succeeded)
            #expect(finished.completedDays == days)
            let runs = try await Self.backfillRuns(harness)
            #expect(runs.count == 10)
            #expect(runs.compactMap(\.backfillDays).flatMap { $0 }.sorted() == days)
            let after = try await Snapshot(harness, days)
            #expect(after.ordersOutside == before.ordersOutside)
            #expect(after.salesOutside == before.salesOutside)
            try Self.expectRaised(after, from: before, on: days)
            try Self.expectRevenue(after, matches: try harness.expectedRevenue(on: days), on: days, before: before)

            let top = await slack.topLevelMessages(in: Self.channel)
            #expect(top.count == 1)
            #expect(top.first?.ts == running.ts)
            #expect(top.first?.text == "Backfill 1 of shop: succeeded, 10/10 days")
            #expect(await Self.posts(slack).count == 1)

            let audit = try await harness.state.read { try $0.auditLog(limit: 50) }
            #expect(audit.contains { $0.action == "backfill.cancel" && $0.actor == BackfillHarness.bystanderID && $0.outcome == "refused" })
            #expect(audit.contains { $0.action == "backfill.cancel" && $0.actor == BackfillHarness.operatorID && $0.outcome == "done" })
            #expect(audit.contains { $0.action == "backfill.resume" && $0.detail.contains("resumed from \(days[4])") })
        }
    }

    @Test func aCrashedBackfillResumesFromItsFirstUnfinishedDayWithTheSameCommand() async throws {
        try await FakeSlackWebAPI.run { slack in
            let (harness, days) = try await Self.prepared(slack)
            let routes = harness.routeTask()
            defer { routes.cancel() }
            let before = try await Snapshot(harness, days)
            try harness.raiseTotals(on: Set(days), by: Self.delta)

            // A process that died while replacing day 5: the backfill says running with four days
            // done, and its day-5 run was left running; neither has a live owner.
            let host = ProcessInfo.processInfo.hostName
            let pid = ProcessInfo.processInfo.processIdentifier
            let now = harness.clock.now
            let crashed = try await harness.state.write { writer in
                var backfill = try writer.insertBackfill(BackfillRecord(
                    pipeline: "shop", days: days, completedDays: Array(days[0..<4]), currentDay: days[4], state: .running,
                    requestedBy: BackfillHarness.operatorID, channel: Self.channel, createdAt: now, startedAt: now))
                backfill.owner = "\(backfill.id) \(host) \(pid) a-process-that-crashed"
                backfill.progressOutboxID = try writer.enqueue(
                    channel: Self.channel, action: .post(threadOf: nil),
                    message: ProgressMessages.backfill(backfill, step: nil, eta: nil, now: now), at: now)
                try writer.updateBackfill(backfill)
                return backfill
            }
            var orphan = try await harness.runner.enqueue(
                RunRequest(pipeline: "shop", trigger: .backfill, requestedBy: BackfillHarness.operatorID, backfillDays: [days[4]]))
            orphan.state = .running
            orphan.startedAt = now
            let running = orphan
            try await harness.state.write { writer in
                try writer.updateRun(running)
                try writer.setSetting(RunRecovery.ownerKey(pipeline: "shop"), value: "\(running.id) \(host) \(pid) a-process-that-crashed")
            }
            try await harness.sender.deliverDue()
            let original = try #require(await slack.topLevelMessages(in: Self.channel).first)

            // The same command offers to resume it from day 5.
            try await harness.command("backfill shop \(days[0]) \(days[9])", responseURL: slack.responseURL("preview"))
            let preview = try #require(try await slack.waitForCallsTo(responseURL: "preview", count: 1).first?.body)
            #expect(preview.description.contains("Resumes backfill \(crashed.id)*, interrupted"))
            #expect(preview.description.contains("4 of 10 days already replaced; continues from \(days[4]) (6 days left)"))
            let value = try #require(preview.buttonValue(BackfillMessages.Action.confirm))
            try await harness.press(BackfillMessages.Action.confirm, value: value, responseURL: slack.responseURL("confirm"))
            let confirmed = try #require(try await slack.waitForCallsTo(responseURL: "confirm", count: 1).first?.body)
            #expect(confirmed.description.contains("Backfill \(crashed.id) of `shop` resumed from \(days[4]): 6 of 10 days left"))
            try await harness.finish()

            let finished = try #require(try await harness.state.read { try $0.backfill(id: crashed.id) })
            #expect(finished.state == .succeeded)
            #expect(finished.completedDays == days)
            #expect(try await harness.state.read { try $0.run(id: running.id) }?.state == .interrupted)
            let succeeded = try await Self.backfillRuns(harness).filter { $0.state == .succeeded }
            #expect(succeeded.compactMap(\.backfillDays).flatMap { $0 }.sorted() == Array(days[4...]))
            #expect(try await harness.state.read { try $0.backfills(pipeline: "shop", limit: 10) }.count == 1)

            // Days 5–10 were replaced; days 1–4, recorded as done, were not redone.
            let after = try await Snapshot(harness, days)
            #expect(after.ordersOutside == before.ordersOutside)
            #expect(after.salesOutside == before.salesOutside)
            #expect(after.orders(on: Array(days[0..<4])) == before.orders(on: Array(days[0..<4])))
            #expect(after.sales(on: Array(days[0..<4])) == before.sales(on: Array(days[0..<4])))
            try Self.expectRaised(after, from: before, on: Array(days[4...]))
            try Self.expectRevenue(after, matches: try harness.expectedRevenue(on: Array(days[4...])), on: Array(days[4...]), before: before)

            // Its progress message was edited, not posted again.
            let top = await slack.topLevelMessages(in: Self.channel)
            #expect(top.count == 1)
            #expect(top.first?.ts == original.ts)
            #expect(top.first?.text == "Backfill \(crashed.id) of shop: succeeded, 10/10 days")
            #expect((top.first?.edits ?? 0) >= 1)
            #expect(await Self.posts(slack).count == 1)
        }
    }

    // MARK: Helpers

    /// The harness after one normal run of the demo shop, and ten consecutive order days in the middle.
    static func prepared(_ slack: FakeSlackWebAPI) async throws -> (BackfillHarness, [String]) {
        let harness = try BackfillHarness(slack: slack)
        let first = try await harness.runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test"))
        #expect(first.state == .succeeded)
        try await harness.sender.deliverDue()
        let all = try harness.orderDays()
        try #require(all.count >= 40)
        let days = Array(all[20..<30])
        #expect(Days.range(from: days[0], to: days[9]) == days)
        return (harness, days)
    }

    static func backfillRuns(_ harness: BackfillHarness) async throws -> [RunRecord] {
        try await harness.state.read { try $0.runs(pipeline: "shop", limit: 100) }.filter { $0.trigger == .backfill }.sorted { $0.id < $1.id }
    }

    /// raw.orders totals of `days` are the earlier ones raised by `delta`, order by order.
    static func expectRaised(_ after: Snapshot, from before: Snapshot, on days: [String]) throws {
        let old = before.totals(on: days)
        let new = after.totals(on: days)
        #expect(!old.isEmpty)
        #expect(Set(new.keys) == Set(old.keys))
        for (order, total) in old {
            let raised = try #require(new[order])
            #expect(abs(raised - total - delta) < 0.001, "order \(order): \(total) → \(raised)")
        }
    }

    /// mart.daily_sales revenue of `days` is what the new source data adds up to, and differs from before.
    static func expectRevenue(_ after: Snapshot, matches expected: [String: Double], on days: [String], before: Snapshot) throws {
        let revenue = after.revenue(on: days)
        let earlier = before.revenue(on: days)
        #expect(revenue.count == days.count)
        for day in days {
            let actual = try #require(revenue[day])
            let wanted = try #require(expected[day])
            #expect(abs(actual - wanted) < 0.006, "\(day): \(actual) vs \(wanted)")
            #expect(actual != earlier[day], "\(day) did not change")
        }
    }
}

