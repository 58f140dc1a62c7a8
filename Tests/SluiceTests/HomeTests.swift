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

@Suite("App Home tab")
struct HomeTests {
    static let form = "application/x-www-form-urlencoded"

    @Test func openingHomePublishesTheDashboardAndItsAcknowledgeButtonWorks() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try HomeHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let viewer = HomeHarness.viewerID
            let run = try await harness.runAndDeliver()
            #expect(run.state == .failed)
            let alert = try #require(try await harness.state.read { try $0.alerts(status: [.open], limit: 10) }.first)
            let now = harness.clock.now
            _ = try await harness.state.write { writer in
                try writer.insertMute(MuteRecord(
                    id: 0, target: "raw.orders", createdBy: HomeHarness.operatorID, reason: "supplier backfill",
                    createdAt: now, endsAt: now.addingTimeInterval(4 * 3600)))
            }

            // Slack's app_home_opened event, signed: the route acknowledges and the dashboard is published.
            let event = try HomeHarness.appHomeOpenedBody()
            try await harness.application().test(.router) { client in
                let status = try await client.execute(
                    uri: "/slack/events", method: .post, headers: harness.signedHeaders(event, contentType: "application/json"),
                    body: ByteBuffer(string: event)) { $0.status }
                #expect(status == .ok)
            }
            let calls = try await slack.waitForCalls(method: "views.publish", count: 1)
            #expect(calls.first?.body["user_id"]?.string == viewer)
            #expect(calls.first?.error == nil)
            let opened = try await harness.state.read { try $0.setting(HomePublisher.openedKey(user: viewer)) }
            #expect(opened.flatMap(TimeInterval.init) == harness.clock.now.timeIntervalSince1970)

            let blocks = try await slack.homeBlocks(user: viewer)
            let text = blocks.map(\.allText).joined(separator: "\n")
            #expect(blocks.count <= BlockLimits.homeBlocks)
            #expect(text.contains("*mini* · run \(run.id) failed"))
            #expect(text.contains("next <!date^"))
            #expect(text.contains("yours"))
            // Freshness from the recorded check result: newest updated_at 10:00 UTC, checked at 11:06.
            #expect(text.contains(":large_green_circle: `raw.orders` · raw.orders is 1h 06m old (warn after 3h"))
            #expect(text.contains("run \(run.id), <!date^"))
            #expect(text.contains("*Open alerts* (1) · :rotating_light: 1 error"))
            #expect(text.contains("*Alert \(alert.id)* · `mini` · `\(alert.check)` · `raw.orders`"))
            #expect(text.contains(":mute: muted"))
            #expect(text.contains(":mute: `raw.orders` until <!date^\(Int(now.timeIntervalSince1970) + 4 * 3600)^"))
            #expect(text.contains("<@\(HomeHarness.operatorID)>: supplier backfill"))
            #expect(text.contains("*Cost this month* (November 2026): $0.00"))
            #expect(text.contains("Updated 11:06 (Europe/London)"))
            let ackButtons = blocks.compactMap(\.accessoryButton).filter { $0.actionID == AlertMessages.Action.acknowledge }
            #expect(ackButtons.map(\.value) == [String(alert.id)])

            // Pressing Acknowledge in Home (no channel, no response_url) acknowledges the alert.
            let press = HomeHarness.homeActionBody(actionID: AlertMessages.Action.acknowledge, value: String(alert.id), user: viewer)
            try await harness.application().test(.router) { client in
                let status = try await client.execute(
                    uri: "/slack/interactions", method: .post, headers: harness.signedHeaders(press, contentType: Self.form),
                    body: ByteBuffer(string: press)) { $0.status }
                #expect(status == .ok)
            }
            let reply = try #require(await harness.nextReply())
            #expect(reply.message.text.contains("Acknowledged alert \(alert.id)"))
            let acknowledged = try await harness.state.read { try $0.alert(id: alert.id) }
            #expect(acknowledged?.status == .acknowledged)
            #expect(acknowledged?.acknowledgedBy == viewer)

            // The refresh shows it acknowledged, without its button.
            harness.clock.advance(by: 10)
            await harness.publisher.refresh()
            #expect(await slack.publishes(user: viewer) == 2)
            let after = try await slack.homeBlocks(user: viewer)
            let afterText = after.map(\.allText).joined(separator: "\n")
            #expect(afterText.contains(":eyes: acknowledged by <@\(viewer)>"))
            #expect(afterText.contains("1 acknowledged"))
            #expect(!after.contains { $0.accessoryButton?.actionID == AlertMessages.Action.acknowledge })
        }
    }

    @Test func aNewRunRepublishesForRecentUsersOnlyAndSurvivesARestart() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try HomeHarness(slack: slack)
            let old = "U0OLDVIEWER"
            let recent = "U0NEWVIEWER"
            await harness.publisher.opened(user: old)
            harness.clock.advance(by: 25 * 3600)
            await harness.publisher.opened(user: recent)
            #expect(await slack.publishes(user: old) == 1)
            #expect(await slack.publishes(user: recent) == 1)
            #expect(try await slack.homeBlocks(user: recent).map(\.allText).joined().contains("*mini* · never run"))

            // Nothing changed: no publish.
            harness.clock.advance(by: 10)
            await harness.publisher.refresh()
            #expect(await slack.publishes(user: recent) == 1)

            let first = try await harness.runAndDeliver()
            harness.clock.advance(by: 10)
            await harness.publisher.refresh()
            #expect(await slack.publishes(user: recent) == 2)
            #expect(await slack.publishes(user: old) == 1)
            #expect(try await slack.homeBlocks(user: recent).map(\.allText).joined().contains("run \(first.id) failed"))

            // After a restart the recent user is still known (from the state store), the old one is not.
            let restarted = harness.restartedPublisher()
            let second = try await harness.runAndDeliver()
            harness.clock.advance(by: 10)
            await restarted.refresh()
            #expect(await slack.publishes(user: recent) == 3)
            #expect(await slack.publishes(user: old) == 1)
            #expect(try await slack.homeBlocks(user: recent).map(\.allText).joined().contains("run \(second.id) failed"))
            harness.clock.advance(by: 10)
            await restarted.refresh()
            #expect(await slack.publishes(user: recent) == 3)
        }
    }

    @Test func aBurstOfChangesCoalescesIntoOnePublishPerUser() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try HomeHarness(slack: slack)
            let users = ["U0VIEWERA1", "U0VIEWERB2"]
            for user in users { await harness.publisher.opened(user: user) }
            #expect(await slack.calls(method: "views.publish").count == 2)

            var last: RunRecord?
            for _ in 0..<3 {
                last = try await harness.runAndDeliver()
                harness.clock.advance(by: 0.5)
                await harness.publisher.refresh()
            }
            #expect(await slack.calls(method: "views.publish").count == 2)

            harness.clock.advance(by: 10)
            await harness.publisher.refresh()
            await harness.publisher.refresh()
            let lastID = try #require(last?.id)
            for user in users {
                #expect(await slack.publishes(user: user) == 2)
                #expect(try await slack.homeBlocks(user: user).map(\.allText).joined().contains("run \(lastID) failed"))
            }
        }
    }

    @Test func aRateLimitPausesPublishingForRetryAfter() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try HomeHarness(slack: slack)
            await slack.failNext(method: "views.publish", with: .rateLimited(retryAfter: 30))
            await harness.publisher.opened(user: "U0VIEWERA1")
            await harness.publisher.opened(user: "U0VIEWERB2")
            await harness.publisher.refresh()
            harness.clock.advance(by: 10)
            try await harness.runAndDeliver()
            await harness.publisher.refresh()
            let during = await slack.calls(method: "views.publish")
            #expect(during.count == 1)
            #expect(during.first?.error == "ratelimited")

            harness.clock.advance(by: 25)
            await harness.publisher.refresh()
            let after = await slack.calls(method: "views.publish")
            #expect(after.count == 3)
            #expect(after.dropFirst().allSatisfy { $0.error == nil })
            #expect(await slack.homeView(user: "U0VIEWERA1") != nil)
            #expect(await slack.homeView(user: "U0VIEWERB2") != nil)
        }
    }

    @Test func fiveHundredOpenAlertsStayWithinTheHomeLimit() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try HomeHarness(slack: slack)
            let now = harness.clock.now
            _ = try await harness.state.write { writer in
                for index in 0..<500 {
                    _ = try writer.insertAlert(AlertRecord(
                        id: 0, fingerprint: "mini/check_\(index)/raw.orders", pipeline: "mini", check: "check_\(index)",
                        table: "raw.orders", severity: index % 3 == 0 ? .error : .warning, status: index % 5 == 0 ? .acknowledged : .open,
                        title: String(repeating: "row \(index) is wrong; ", count: 300), detail: "", runID: 1,
                        openedAt: now, lastSeenAt: now, acknowledgedBy: index % 5 == 0 ? HomeHarness.operatorID : nil))
                }
            }
            await harness.publisher.opened(user: HomeHarness.viewerID)
            let call = try #require(await slack.calls(method: "views.publish").first)
            #expect(call.error == nil)
            let blocks = try await slack.homeBlocks(user: HomeHarness.viewerID)
            #expect(blocks.count <= BlockLimits.homeBlocks)
            let text = blocks.map(\.allText).joined(separator: "\n")
            #expect(text.contains("*Open alerts* (500) · :rotating_light: 167 errors · :warning: 333 warnings · 100 acknowledged"))
            #expect(text.contains("more alerts: `/sluice alerts` lists them all"))
            let buttons = blocks.compactMap(\.accessoryButton)
            #expect(buttons.count == 40)
            // Errors come first among the buttons.
            let alerts = try await harness.state.read { try $0.alerts(status: [.open], limit: 1000) }
            let severity = Dictionary(uniqueKeysWithValues: alerts.map { (String($0.id), $0.severity) })
            #expect(buttons.allSatisfy { severity[$0.value] == .error })
        }
    }

    @Test func twoHundredPipelinesAndFiveHundredAlertsFitAndSlackAcceptsThem() async throws {
        try await FakeSlackWebAPI.run { slack in
            let now = Date(timeIntervalSince1970: 1_795_000_000)
            let dashboard = Self.largeDashboard(now: now)
            let blocks = HomeView.blocks(for: "U0OWNER0007", dashboard: dashboard, now: now, timeZone: TimeZone(identifier: "Europe/London") ?? .gmt)
            #expect(blocks.count <= BlockLimits.homeBlocks)
            let text = blocks.map(\.allText).joined(separator: "\n")
            // Every item is either shown or counted in its section's "…and N more" line.
            #expect(text.contains("*Pipelines* (200)"))
            #expect(Self.accounted(text, shown: "* · run ", more: "pipelines") == 200)
            #expect(Self.accounted(text, shown: "` · raw.table_", more: "tables") == 600)
            #expect(text.contains("*Open alerts* (500)"))
            #expect(Self.accounted(text, shown: "*Alert ", more: "alerts") == 500)
            #expect(Self.accounted(text, shown: ":mute: `raw.table_", more: "mutes") == 300)
            #expect(text.contains("more alerts: `/sluice alerts` lists them all"))
            #expect(text.contains("more mutes: `/sluice mutes` lists them all"))
            #expect(text.contains("*Cost this month* (November 2026): *$6.25* · 1 TiB billed at $6.25/TiB"))
            // Failed pipelines first, then the viewer's own.
            let pipelines = try #require(blocks.first { $0.allText.hasPrefix("*Pipelines*") }?.allText)
            let lines = pipelines.split(separator: "\n").dropFirst()
            #expect(lines.first?.contains(":x: *p000*") == true)
            #expect(lines.contains { $0.contains("*p007*") && $0.contains("yours") })

            let client = SlackWebClient(token: FakeSlackWebAPI.defaultToken, baseURL: slack.baseURL, logger: Logger(label: "test"))
            try await client.publishHome(user: "U0OWNER0007", blocks: blocks)
            #expect(await slack.calls(method: "views.publish").first?.error == nil)
            #expect(try await slack.homeBlocks(user: "U0OWNER0007").count == blocks.count)
        }
    }

    @Test func anEmptyStateSaysSoInEverySection() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let dashboard = HomeView.Dashboard(
            pipelines: [HomeView.PipelineLine(pipeline: "shop", owners: [], lastRun: nil, nextRun: nil)],
            freshness: [HomeView.FreshnessLine(table: "raw.orders", pipeline: "shop", verdict: nil)], alerts: [], mutes: [],
            cost: HomeView.MonthCost(month: "2026-11", spend: Spend(runs: 0, bytesBilled: 0, dollars: 0), pricePerTiB: 6.25, isBilled: false))
        let text = HomeView.blocks(for: "U0VIEWER", dashboard: dashboard, now: now, timeZone: .gmt).map(\.allText).joined(separator: "\n")
        #expect(text.contains(":white_circle: *shop* · never run · on demand only"))
        #expect(text.contains(":white_circle: `raw.orders` · not checked yet"))
        #expect(text.contains(":white_check_mark: No open alerts."))
        #expect(text.contains("Nothing is muted."))
        #expect(text.contains("The SQLite warehouse bills nothing"))
        #expect(text.contains("Updated 11:06 (GMT)"))
    }

    /// Lines containing `shown`, plus N from a "…and N more <noun>" line.
    static func accounted(_ text: String, shown: String, more noun: String) -> Int {
        let lines = text.split(separator: "\n")
        let more = lines.compactMap { line -> Int? in
            guard line.hasPrefix("…and "), line.contains(" more \(noun):") else { return nil }
            return Int(line.dropFirst("…and ".count).prefix { $0.isNumber })
        }
        return lines.filter { $0.contains(shown) }.count + more.reduce(0, +)
    }

    static func largeDashboard(now: Date) -> HomeView.Dashboard {
        let pipelines = (0..<200).map { index in
            let name = String(format: "p%03d", index)
            let run = RunRecord(
                id: Int64(index + 1), pipeline: name, state: index == 0 ? .failed : .succeeded, trigger: .schedule,
                requestedBy: "scheduler", createdAt: now - 600, startedAt: now - 600, finishedAt: now - 540,
                error: index == 0 ? String(repeating: "boom ", count: 200) : nil)
            return HomeView.PipelineLine(
                pipeline: name, owners: [String(format: "U0OWNER%04d", index)], lastRun: run, nextRun: now + 3600)
        }
        let verdicts: [FreshnessVerdict] = [.fresh, .warn, .stale]
        let lights = (0..<600).map { (index: Int) -> HomeView.FreshnessLine in
            HomeView.FreshnessLine(
                table: "raw.table_\(index)", pipeline: String(format: "p%03d", index % 200),
                verdict: verdicts[index % 3],
                summary: "raw.table_\(index) is 2h old (warn after 3h; newest updated_at 2026-11-18 09:00 UTC)",
                runID: Int64(index % 200 + 1), checkedAt: now - 540)
        }
        let alerts = (0..<500).map { index in
            AlertRecord(
                id: Int64(index + 1), fingerprint: "p/\(index)", pipeline: String(format: "p%03d", index % 200),
                check: "check_\(index)", table: "raw.table_\(index)", severity: index % 2 == 0 ? .error : .warning,
                status: index % 4 == 0 ? .acknowledged : .open, title: String(repeating: "x", count: 5000), detail: "",
                runID: 1, occurrences: index % 7 + 1, openedAt: now - 3600, lastSeenAt: now,
                acknowledgedBy: index % 4 == 0 ? "U0SOMEONE1" : nil, acknowledgedAt: index % 4 == 0 ? now : nil)
        }
        let mutes = (0..<300).map { index in
            MuteRecord(
                id: Int64(index + 1), target: "raw.table_\(index)", createdBy: "U0SOMEONE1", reason: String(repeating: "why ", count: 100),
                createdAt: now, endsAt: now + Double(3600 + index))
        }
        return HomeView.Dashboard(
            pipelines: pipelines, freshness: lights, alerts: alerts, mutes: mutes,
            cost: HomeView.MonthCost(
                month: "2026-11", spend: Spend(runs: 200, bytesBilled: 1 << 40, dollars: 6.25), pricePerTiB: 6.25, isBilled: true))
    }
}
