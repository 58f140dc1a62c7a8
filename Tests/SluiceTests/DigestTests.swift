import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Server
import SlackAPI
import SlackDelivery
import SluiceCore
import StateStore
import Testing
import Worker

@Suite("Daily digest")
struct DigestTests {
    static let london = TimeZone(identifier: "Europe/London") ?? .gmt

    // MARK: - The digest clock

    @Test func nineOClockFollowsLondonAcrossBothDaylightSavingChanges() throws {
        let clock = DigestClock(at: TimeOfDay(hour: 9, minute: 0), timeZone: Self.london)
        // Spring forward on 2026-03-29: 09:00 GMT the day before, 09:00 BST (08:00 UTC) that day, 23 hours apart.
        #expect(try clock.due(onDay: "2026-03-28") == DigestInstant.utc("2026-03-28T09:00:00Z"))
        #expect(try clock.due(onDay: "2026-03-29") == DigestInstant.utc("2026-03-29T08:00:00Z"))
        #expect(try clock.nextDue(after: DigestInstant.utc("2026-03-28T09:00:00Z")) == DigestInstant.utc("2026-03-29T08:00:00Z"))
        // Fall back on 2026-10-25: 09:00 BST (08:00 UTC) the day before, 09:00 GMT that day, 25 hours apart.
        #expect(try clock.due(onDay: "2026-10-24") == DigestInstant.utc("2026-10-24T08:00:00Z"))
        #expect(try clock.nextDue(after: DigestInstant.utc("2026-10-24T08:00:00Z")) == DigestInstant.utc("2026-10-25T09:00:00Z"))
        #expect(try clock.nextDue(after: DigestInstant.utc("2026-10-25T08:59:59Z")) == DigestInstant.utc("2026-10-25T09:00:00Z"))
        #expect(try clock.day(of: DigestInstant.utc("2026-03-29T08:00:00Z")) == "2026-03-29")
    }

    @Test func aDigestInsideTheSpringGapFiresRightAfterItAndAnAmbiguousOneFiresOnce() throws {
        let clock = DigestClock(at: TimeOfDay(hour: 1, minute: 30), timeZone: Self.london)
        // 01:30 does not exist on 2026-03-29 (01:00 GMT jumps to 02:00 BST): due at the first instant after the gap.
        let spring = try clock.nextDue(after: DigestInstant.utc("2026-03-28T12:00:00Z"))
        #expect(try spring == DigestInstant.utc("2026-03-29T01:00:00Z"))
        #expect(try clock.nextDue(after: spring) == DigestInstant.utc("2026-03-30T00:30:00Z"))
        // 01:30 happens twice on 2026-10-25: due at the first (BST), not again an hour later.
        let autumn = try clock.nextDue(after: DigestInstant.utc("2026-10-24T12:00:00Z"))
        #expect(try autumn == DigestInstant.utc("2026-10-25T00:30:00Z"))
        #expect(try clock.nextDue(after: autumn) == DigestInstant.utc("2026-10-26T01:30:00Z"))
    }

    @Test func onlyTodaysPassedUnpostedDigestIsMissed() throws {
        let clock = DigestClock(at: TimeOfDay(hour: 9, minute: 0), timeZone: Self.london)
        let eleven = try DigestInstant.utc("2026-06-10T10:00:00Z")
        let eight = try DigestInstant.utc("2026-06-10T07:00:00Z")
        #expect(clock.missedDay(at: eleven, lastPostedDay: nil) == "2026-06-10")
        #expect(clock.missedDay(at: eleven, lastPostedDay: "2026-06-09") == "2026-06-10")
        #expect(clock.missedDay(at: eleven, lastPostedDay: "2026-06-10") == nil)
        #expect(clock.missedDay(at: eight, lastPostedDay: "2026-06-08") == nil)
    }

    // MARK: - The service's schedule

    @Test func startedAtEightPostsNothingUntilNineThenPostsOnTime() async throws {
        let fixture = try await DigestFixture.make(pipelines: 1, loadsPerPipeline: 2)
        let clock = try DigestTestClock(DigestInstant.utc("2026-06-10T07:00:00Z"))
        let service = DigestService(
            manifest: fixture.manifest, state: fixture.state, warehouse: fixture.warehouse, clock: clock, logger: Logger(label: "test"))
        let task = Task { await service.run() }
        defer { task.cancel() }
        var sleeps = clock.sleeps.makeAsyncIterator()

        let first = await sleeps.next()
        #expect(try first == DigestInstant.utc("2026-06-10T08:00:00Z"))
        #expect(try await Self.topLevelDigests(fixture.state).isEmpty)

        clock.wake()
        let second = await sleeps.next()
        #expect(try second == DigestInstant.utc("2026-06-11T08:00:00Z"))
        let posted = try await Self.topLevelDigests(fixture.state)
        #expect(posted.count == 1)
        #expect(posted.first?.channel == "#data")
        #expect(posted.first?.message.text.hasPrefix("Daily digest for 2026-06-10:") == true)
        #expect(try await fixture.state.read { try $0.setting(DigestService.lastPostedKey) } == "2026-06-10")
        task.cancel()
        await task.value
    }

    @Test func downAtNineAndStartedAtElevenPostsOneLateDigest() async throws {
        let fixture = try await DigestFixture.make(pipelines: 1, loadsPerPipeline: 2)
        for _ in 0..<2 {
            let clock = try DigestTestClock(DigestInstant.utc("2026-06-10T10:00:00Z"))
            let service = DigestService(
                manifest: fixture.manifest, state: fixture.state, warehouse: fixture.warehouse, clock: clock, logger: Logger(label: "test"))
            let task = Task { await service.run() }
            var sleeps = clock.sleeps.makeAsyncIterator()
            let first = await sleeps.next()
            #expect(try first == DigestInstant.utc("2026-06-11T08:00:00Z"))
            task.cancel()
            await task.value
        }
        let posted = try await Self.topLevelDigests(fixture.state)
        #expect(posted.count == 1, "a second start the same day posts nothing more")
        let late = try #require(posted.first?.message)
        #expect(late.text.hasPrefix("Daily digest for 2026-06-10 (late):"))
        #expect(late.blocks.contains(.context([
            ":hourglass: Posted late: Sluice was not running when the digest was due at 09:00 Europe/London · "
                + "Last 24 h to 11:00 Europe/London · 1 pipeline · 4 tables",
        ])))
        #expect(try await fixture.state.read { try $0.setting(DigestService.lastPostedKey) } == "2026-06-10")
    }

    @Test func alreadyPostedTodayPostsNothingAtStart() async throws {
        let fixture = try await DigestFixture.make(pipelines: 1, loadsPerPipeline: 2)
        try await fixture.state.write { try $0.setSetting(DigestService.lastPostedKey, value: "2026-06-10") }
        let service = DigestService(
            manifest: fixture.manifest, state: fixture.state, warehouse: fixture.warehouse, clock: fixture.clock,
            logger: Logger(label: "test"))
        #expect(try await service.postMissed(at: DigestInstant.utc("2026-06-10T10:00:00Z")) == false)
        #expect(try await service.postScheduled(day: "2026-06-10", at: fixture.clock.now) == nil)
        #expect(try await Self.topLevelDigests(fixture.state).isEmpty)
    }

    // MARK: - 300 tables through the fake Slack

    @Test func threeHundredTablesFitSlackAndMatchTheStateStore() async throws {
        let fixture = try await DigestFixture.make()
        let planted = fixture.planted
        let now = DigestFixture.now
        try await FakeSlackWebAPI.run { slack in
            let posting = try await fixture.service.post(at: now)
            let report = posting.report

            // Figures against the state store, read independently.
            let (runs, open, mutes, billedYesterday) = try await fixture.state.read { reader in
                let runs = try reader.runs(pipeline: nil, limit: 1000).filter { $0.createdAt > now - 86_400 && $0.createdAt <= now }
                let yesterday = try reader.runs(pipeline: nil, limit: 1000)
                    .filter { Days.string($0.startedAt ?? $0.createdAt, in: Self.london) == "2026-06-09" }
                    .map { try reader.steps(runID: $0.id).map(\.bytesBilled).reduce(0, +) }.reduce(0, +)
                return (runs, try reader.alerts(status: [.open, .acknowledged], limit: 1000), try reader.activeMutes(at: now), yesterday)
            }
            #expect(report.runs.total == runs.count && runs.count == planted.runsInWindow)
            #expect(report.runs.succeeded == runs.filter { $0.state == .succeeded }.count && report.runs.succeeded == planted.succeeded)
            #expect(report.runs.failed == planted.failed && report.runs.cancelled == planted.cancelled)
            #expect(report.runs.slowest.first?.id == planted.slowestRunID)
            #expect(report.alerts.count == open.count && open.count == planted.openAlerts + planted.acknowledgedAlerts)
            #expect(report.alerts.filter { $0.alert.acknowledgedBy == "U0ACKER" }.count == planted.acknowledgedAlerts)
            #expect(report.alerts.first { $0.alert.id == planted.mutedAlertID }?.muted == true)
            #expect(report.mutes.map(\.id) == mutes.map(\.id) && mutes.count == planted.activeMutes)
            #expect(report.cost.yesterday.bytesBilled == billedYesterday && billedYesterday == planted.yesterdayBytes)
            #expect(report.cost.previousDays.map(\.bytesBilled) == Array(repeating: planted.previousDayBytes, count: 7))
            #expect(report.freshness.count == planted.tables)
            #expect(report.anomalies.map(\.table.description).sorted() == planted.anomalousTables)

            // The summary says so, in people's numbers.
            let summary = posting.messages.summary.blocks.digestTexts.joined(separator: "\n")
            #expect(summary.contains("*Runs (last 24 h):* 9 · :white_check_mark: 6 succeeded · :x: 2 failed · 1 cancelled"))
            #expect(summary.contains("Slowest: `p1` run \(planted.slowestRunID) 42m"))
            #expect(summary.contains("*Freshness* (300 tables): :red_circle: 10 stale · :large_yellow_circle: 15 warn · "
                + ":large_green_circle: 125 fresh · :white_circle: 150 without a check"))
            #expect(summary.contains("*Volume anomalies:* 3"))
            #expect(summary.contains("`raw.p1_t00` 100 rows on 2026-06-10, below the expected"))
            #expect(summary.contains("*Open alerts:* 7 (4 unacknowledged, 3 acknowledged)"))
            #expect(summary.contains("*Active mutes:* 2"))
            #expect(summary.contains("*Cost yesterday* (2026-06-09): $12.50 (2 TiB billed) · 7-day average before it $6.25 (+100%) · "
                + "125% of the $10.00 daily budget :warning: over budget"))

            // Delivered through the real outbox sender and Web API client; the fake rejects what Slack rejects.
            let sender = OutboxSender(
                state: fixture.state, messenger: SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: Logger(label: "test")),
                clock: fixture.clock, logger: Logger(label: "test"), channelInterval: 0)
            while try await sender.deliverDue() > 0 {}
            let calls = await slack.calls(method: "chat.postMessage")
            #expect(calls.count == posting.outboxIDs.count)
            #expect(calls.allSatisfy { $0.error == nil }, "\(calls.compactMap(\.error))")
            let entries = try await fixture.state.read { reader in try posting.outboxIDs.compactMap { try reader.outboxEntry(id: $0) } }
            #expect(entries.count == posting.outboxIDs.count && entries.allSatisfy { $0.state == .sent })

            let top = await slack.topLevelMessages(in: "#data")
            #expect(top.count == 1)
            let parent = try #require(top.first)
            let replies = await slack.replies(in: "#data", threadTS: parent.ts)
            #expect(replies.count == posting.messages.thread.count && !replies.isEmpty)
            var threadText = ""
            for message in [parent] + replies {
                let blocks = try message.blocks.decode([Block].self)
                #expect(blocks.count <= BlockLimits.messageBlocks)
                #expect(blocks.digestTexts.allSatisfy { $0.count <= BlockLimits.sectionText })
                threadText += blocks.digestTexts.joined(separator: "\n")
            }
            for table in fixture.manifest.tables {
                #expect(threadText.contains("`\(table)`"), "\(table) is missing from the digest")
            }
            #expect(threadText.contains("`mart.p2_m00` not built yet (no freshness check)"))
            #expect(threadText.contains(":red_circle: `raw.p0_t00` newest data 7h old (warn after 3h, error after 6h; column updated_at)"))
        }
    }

    @Test func anyNumberOfTablesStaysWithinBlockLimits() throws {
        let now = DigestFixture.now
        let lines = (0..<5000).map { (index: Int) -> FreshnessReport.Entry in
            let table = TableName(dataset: "raw", table: String(format: "a_rather_long_table_name_%05d", index))
            return FreshnessReport.Entry(
                observation: FreshnessObservation(
                    table: table, pipeline: "big",
                    rule: FreshnessRule(table: table, pipeline: "big", source: .column("loaded_at"), warnAfter: .hours(3), errorAfter: .hours(6)),
                    reading: FreshnessReading(exists: true, newest: now.addingTimeInterval(-Double(index) * 60))),
                age: Double(index) * 60, verdict: index % 7 == 0 ? .stale : .fresh)
        }
        let report = DigestReport(
            day: "2026-06-10", generatedAt: now, timeZone: Self.london, scheduledAt: TimeOfDay(hour: 9, minute: 0), pipelines: 1,
            runs: DigestRuns(runs: []), freshness: lines, anomalies: [], alerts: [], mutes: [],
            cost: DigestCost(
                yesterday: DigestDayCost(day: "2026-06-09", bytesBilled: 0, dollars: 0), previousDays: [], byPipeline: [],
                dailyBudget: nil, billed: true))
        let messages = DigestMessages.messages(for: report)
        #expect(messages.summary.blocks.count < 15)
        #expect(messages.thread.count > 1)
        for message in [messages.summary] + messages.thread {
            #expect(message.blocks.count <= BlockLimits.messageBlocks)
            #expect(message.blocks.digestTexts.allSatisfy { $0.count <= BlockLimits.sectionText })
            #expect(!message.text.isEmpty && message.text.count <= BlockLimits.fallbackText)
        }
        let listed = Set(messages.thread.flatMap(\.blocks.digestTexts).flatMap { $0.split(separator: "\n") }.compactMap { line in
            line.split(separator: "`", omittingEmptySubsequences: false).dropFirst().first.map(String.init)
        })
        #expect(Set(lines.map(\.table.description)).isSubset(of: listed))
        #expect(messages.summary.blocks.digestTexts.contains { $0.contains(":red_circle: 715 stale · :large_green_circle: 4.3K fresh") })
    }

    @Test func anomaliesJudgeTheNewestCompleteDayAndCostsCountOnLocalDays() throws {
        let now = DigestFixture.now
        let orders = TableName(dataset: "raw", table: "orders")
        let totals = TableName(dataset: "raw", table: "totals")
        let pipeline = Pipeline(
            name: "shop", schedule: nil, channel: nil, owners: [],
            sources: [Source(name: "orders", kind: .csv(path: "o.csv")), Source(name: "totals", kind: .csv(path: "t.csv"))],
            loads: [
                Load(source: "orders", table: orders, write: .append, partitionBy: "order_date"),
                Load(source: "totals", table: totals, write: .truncate),
            ],
            models: [],
            checks: [
                Check(name: "volume_orders", kind: .volume(orders, VolumeSettings()), severity: .error),
                Check(name: "volume_totals", kind: .volume(totals, VolumeSettings()), severity: .warn),
            ])
        let manifest = Manifest(
            file: "sluice.yml", baseDirectory: "/tmp", timeZone: Self.london, warehouse: .sqlite(path: "w"),
            cost: CostConfig(pricePerTiB: 5, dailyBudget: nil), slack: SlackConfig(defaultChannel: "#d"), access: AccessConfig(),
            backfill: BackfillConfig(), pipelines: [pipeline])
        func history(yesterday: Int64, today: Int64?) -> [DayCount] {
            var counts: [DayCount] = stride(from: 15, through: 2, by: -1).compactMap { back in
                Days.adding(-back, to: "2026-06-10").map { DayCount(day: $0, rows: 1000) }
            }
            counts.append(DayCount(day: "2026-06-09", rows: yesterday))
            if let today { counts.append(DayCount(day: "2026-06-10", rows: today)) }
            return counts
        }
        // At 00:30 on 2026-06-10 (23:30 UTC the day before) a run started: it counts for today, not yesterday.
        let lateRun = RunRecord(
            id: 2, pipeline: "shop", state: .succeeded, trigger: .schedule, requestedBy: "scheduler",
            createdAt: try DigestInstant.utc("2026-06-09T23:30:00Z"), startedAt: try DigestInstant.utc("2026-06-09T23:30:00Z"))
        let earlyRun = RunRecord(
            id: 1, pipeline: "shop", state: .succeeded, trigger: .schedule, requestedBy: "scheduler",
            createdAt: try DigestInstant.utc("2026-06-09T22:30:00Z"), startedAt: try DigestInstant.utc("2026-06-09T22:30:00Z"))
        let inputs = DigestInputs(
            now: now,
            runs: [RunFigures(run: lateRun, rowsLoaded: 0, bytesBilled: DigestFixture.tib),
                   RunFigures(run: earlyRun, rowsLoaded: 0, bytesBilled: DigestFixture.tib / 2)],
            freshness: [:],
            // A date column's today is still filling up (5 rows): yesterday's 100 is the anomaly. The total's
            // today is not recorded yet: yesterday's normal total is judged, not a missing today.
            dailyCounts: ["raw.orders": history(yesterday: 100, today: 5), "raw.totals": history(yesterday: 1000, today: nil)],
            alerts: [], mutes: [])
        let report = DigestReport.build(manifest: manifest, inputs: inputs)
        #expect(report.anomalies.map(\.table) == [orders])
        #expect(report.anomalies.first?.assessment.day == "2026-06-09")
        #expect(report.anomalies.first?.assessment.observed == 100)
        #expect(report.cost.yesterday.bytesBilled == DigestFixture.tib / 2)
        #expect(report.cost.yesterday.dollars == 2.5)
        #expect(report.freshness.allSatisfy { $0.verdict == .unknown })
    }

    // MARK: - `/sluice digest` over signed HTTP

    @Test func slashDigestPostsTheDigestWithItsThread() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let run = try await harness.runAndDeliver()
            let topBefore = await slack.topLevelMessages(in: SlackHarness.channel).count

            try await harness.application().test(.router) { client in
                let body = SlackHarness.commandBody("digest", user: SlackHarness.bystanderID, responseURL: slack.responseURL("digest"))
                let status = try await client.execute(
                    uri: "/slack/commands", method: .post,
                    headers: harness.signedHeaders(body, contentType: "application/x-www-form-urlencoded"),
                    body: ByteBuffer(string: body)) { $0.status }
                #expect(status == .ok)
            }
            _ = try await slack.waitForCalls(method: "response_url", count: 1)
            let reply = try #require(await slack.responses("digest").last)
            #expect(reply.body["text"]?.string == ":white_check_mark: Posted the digest in \(SlackHarness.channel).")
            #expect(reply.body["response_type"]?.string != "in_channel")

            while try await harness.sender.deliverDue() > 0 {}
            let top = await slack.topLevelMessages(in: SlackHarness.channel)
            #expect(top.count == topBefore + 1)
            let digest = try #require(top.last)
            let (runs, alerts) = try await harness.state.read {
                (try $0.runs(pipeline: nil, limit: 100), try $0.alerts(status: [.open, .acknowledged], limit: 100))
            }
            #expect(runs.count == 1 && runs.first?.id == run.id)
            let failed = runs.filter { $0.state == .failed }.count
            let summary = try digest.blocks.decode([Block].self).digestTexts.joined(separator: "\n")
            #expect(summary.contains("*Runs (last 24 h):* 1 · :white_check_mark: \(1 - failed) succeeded · :x: \(failed) failed"))
            #expect(summary.contains("*Open alerts:* \(alerts.count) (\(alerts.count) unacknowledged, 0 acknowledged)"))
            #expect(alerts.count == 1 && summary.contains("`mini`"))
            #expect(summary.contains("*Freshness* (2 tables): :white_circle: 2 without a check"))
            let thread = await slack.replies(in: SlackHarness.channel, threadTS: digest.ts)
            let threadText = try thread.map { try $0.blocks.decode([Block].self).digestTexts.joined(separator: "\n") }.joined()
            #expect(threadText.contains("*Freshness of every table (2)*"))
            #expect(threadText.contains("`raw.orders` last written") && threadText.contains("`mart.totals` last written"))

            let audit = try await harness.state.read { try $0.auditLog(limit: 5) }
            #expect(audit.first?.action == "digest" && audit.first?.actor == SlackHarness.bystanderID)
            #expect(audit.first?.target == SlackHarness.channel)
        }
    }

    // MARK: - Helpers

    /// The digest summaries in the outbox (top-level posts).
    static func topLevelDigests(_ state: SQLiteStateStore) async throws -> [OutboxEntry] {
        try await state.read { try $0.outbox(state: nil, limit: 1000) }
            .filter { $0.action == .post(threadOf: nil) && $0.message.text.hasPrefix("Daily digest") }
    }
}

extension [Block] {
    /// The mrkdwn of every section and context, in order.
    var digestTexts: [String] {
        flatMap { block -> [String] in
            switch block {
            case let .section(text, fields, _): [text] + fields
            case let .context(lines): lines
            case let .header(text): [text]
            default: []
            }
        }
    }
}
