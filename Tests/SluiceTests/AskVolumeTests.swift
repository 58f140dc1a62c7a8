import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse

/// `/sluice volume`: replies over signed HTTP on the demo pipeline, and the report's days and verdict.
@Suite("Questions from Slack: volume")
struct AskVolumeTests: AskSuite {
    @Test func volumeReplyCountsEqualTheWarehouseCountsPerDay() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            try await harness.runShop()

            var counts: [String: Int64] = [:]
            for row in try await harness.rows("select order_date, count(*) from raw.orders group by 1") {
                if let day = row[0], let n = row[1].flatMap({ Int64($0) }) { counts[day] = n }
            }
            let today = Days.string(harness.clock.now, in: harness.manifest.timeZone)
            let first = try #require(Days.adding(-13, to: today))
            let days = try #require(Days.range(from: first, to: today))

            let reply = try await harness.ask("volume raw.orders 14", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.responseType == "ephemeral")
            #expect(reply.blocks.first == .header("Volume · raw.orders · last 14 days"))

            // One line per day with the warehouse's count.
            var shown: [String: Int64] = [:]
            for line in reply.lines where line.hasPrefix("`") && line.dropFirst().first?.isNumber == true {
                let day = String(line.dropFirst().prefix(10))
                let figure = line.split(separator: "`").last?.trimmingCharacters(in: .whitespaces).split(separator: " ").first
                shown[day] = figure.flatMap { Int64($0) }
            }
            #expect(shown.count == 14)
            for day in days { #expect(shown[day] == counts[day] ?? 0, "\(day)") }

            // The sparkline has one bar per day, drawn from those counts.
            let overview = try #require(reply.lines.first { $0.hasPrefix("`") && $0.contains("→") })
            let sparkline = String(overview.dropFirst().prefix { $0 != "`" })
            #expect(sparkline.count == 14)
            #expect(sparkline == Sparkline.render(days.map { counts[$0] ?? 0 }))

            // The newest complete day against the detector's band, and against a week earlier.
            let settings = VolumeSettings(dateColumn: "order_date", sensitivity: 3)
            let history = counts.map { DayCount(day: $0.key, rows: $0.value) }
            let yesterday = try #require(Days.adding(-1, to: today))
            let verdict = VolumeAnomalyDetector.evaluate(day: yesterday, history: history, settings: settings)
            guard case let .normal(assessment) = verdict else {
                Issue.record("the demo data has no anomalies, got \(verdict)")
                return
            }
            let band = "\(Format.count(Int64(assessment.lower.rounded())))–\(Format.count(Int64(assessment.upper.rounded())))"
            #expect(reply.content.contains("*\(yesterday)*"))
            #expect(reply.content.contains("*\(Format.rows(assessment.observed))*, within the expected \(band)"))
            let weekEarlierDay = try #require(Days.adding(-8, to: today))
            let weekEarlier = try #require(counts[weekEarlierDay])
            let change = Format.percent(Double(assessment.observed - weekEarlier) / Double(weekEarlier))
            #expect(reply.content.contains("\(change) against "))
            #expect(reply.content.contains("Rows per day of `order_date` (the volume check's date_column)"))

            // The same command in `sluice chat` (the same router, no HTTP) gives the same answer.
            let typed = "/sluice volume raw.orders 14"
            let chat = await harness.conversation.handle(
                try harness.conversation.parse(typed).get(), text: typed, from: Requester(userID: "cli", channelID: "local"))
            #expect(chat.ephemeral)
            #expect(AskReply(message: chat.message, ephemeral: true).content == reply.content)
            #expect(ConsoleRenderer.render(chat.message, channel: "only you").contains(sparkline))
        }
    }

    @Test func volumeReportMarksAnomaliesAndComparesWithTheSameWeekday() throws {
        let settings = VolumeSettings(dateColumn: "d")
        let days = try #require(Days.range(from: "2026-02-01", to: "2026-03-31"))
        var history = days.enumerated().map { DayCount(day: $0.element, rows: 100 + Int64($0.offset % 3)) }
        func set(_ day: String, _ rows: Int64?) {
            history.removeAll { $0.day == day }
            if let rows { history.append(DayCount(day: day, rows: rows)) }
        }
        set("2026-03-25", 400)
        set("2026-03-23", 100)
        set("2026-03-30", 120)
        set("2026-03-31", 40)
        set("2026-03-27", nil)

        let byColumn = VolumeJudgement(settings: settings, basis: .column("d", origin: .checkDateColumn), hasCheck: true)
        let report = VolumeReport(
            table: TableName(dataset: "raw", table: "a"), judgement: byColumn, history: history, today: "2026-03-31", count: 10)
        #expect(report.days.map(\.day) == (Days.range(from: "2026-03-22", to: "2026-03-31") ?? []))
        let rows = Dictionary(uniqueKeysWithValues: history.map { ($0.day, $0.rows) })
        #expect(report.days.map(\.rows) == report.days.map { rows[$0.day] ?? 0 })
        #expect(report.days.first { $0.day == "2026-03-27" }?.rows == 0)
        for day in report.days where day.complete {
            var expected: AnomalyDirection?
            if case let .anomaly(assessment) = VolumeAnomalyDetector.evaluate(day: day.day, history: history, settings: settings) {
                expected = assessment.direction
            }
            #expect(day.anomaly == expected, "\(day.day)")
        }
        #expect(report.days.first { $0.day == "2026-03-25" }?.anomaly == .spike)
        #expect(report.days.last?.complete == false)
        #expect(report.days.last?.anomaly == nil)
        #expect(report.judgedDay == "2026-03-30")
        #expect(report.judgedRows == 120)
        #expect(report.verdict == VolumeAnomalyDetector.evaluate(day: "2026-03-30", history: history, settings: settings))
        #expect(report.weekEarlier == DayCount(day: "2026-03-23", rows: 100))
        #expect(report.weekOverWeek == 0.2)
        #expect(report.sparkline == Sparkline.render(report.days.compactMap(\.rows)))
        #expect(report.sparkline.count == 10)
        #expect(byColumn.historyStart(today: "2026-03-31", shownDays: 10) == "2026-03-08")

        // Recorded totals: a day without a total is a gap, and today is the judged day.
        let totals = VolumeReport(
            table: TableName(dataset: "raw", table: "c"), judgement: VolumeJudgement(settings: settings, basis: .recordedTotals, hasCheck: true),
            history: history, today: "2026-03-31", count: 5)
        #expect(totals.days.map(\.day) == (Days.range(from: "2026-03-27", to: "2026-03-31") ?? []))
        #expect(totals.days.map(\.rows) == totals.days.map { rows[$0.day] })
        #expect(totals.days.first?.rows == nil)
        #expect(totals.sparkline == " " + Sparkline.render(totals.days.compactMap(\.rows)))
        #expect(totals.judgedDay == "2026-03-31")
        let weekEarlierRows = try #require(rows["2026-03-24"])
        #expect(totals.weekEarlier == DayCount(day: "2026-03-24", rows: weekEarlierRows))
        #expect(totals.weekOverWeek == Double(40 - weekEarlierRows) / Double(weekEarlierRows))
        #expect(totals.days.allSatisfy { $0.complete })

        let manifest = try Self.plantedManifest()
        let checked = VolumeJudgement.of(TableName(dataset: "mart", table: "b"), in: manifest)
        #expect(checked == .init(settings: VolumeSettings(dateColumn: "d", sensitivity: 2), basis: .column("d", origin: .checkDateColumn), hasCheck: true))
        let partitioned = VolumeJudgement.of(TableName(dataset: "raw", table: "a"), in: manifest)
        #expect(partitioned == .init(settings: VolumeSettings(), basis: .column("day", origin: .partition), hasCheck: false))
        #expect(VolumeJudgement.of(TableName(dataset: "raw", table: "c"), in: manifest).basis == .recordedTotals)
    }
}
