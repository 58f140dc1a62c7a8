import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse

@Suite("Questions from Slack: freshness, volume, cost")
struct AskCommandsTests {
    static let gib: Int64 = 1 << 30
    static let mib: Int64 = 1 << 20
    static let ordersTable = TableName(dataset: "raw", table: "orders")

    // MARK: - End to end over signed HTTP requests on the demo pipeline

    @Test func freshnessRepliesMatchTheWarehouseAndTheThresholds() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let run = try await harness.runShop()
            let shop = try #require(harness.manifest.pipeline(named: "shop"))

            // One table with a freshness check: its age from the loaded_at column, and both thresholds.
            let facts = try await harness.warehouse.freshness(of: Self.ordersTable, loadedAt: "updated_at")
            let newest = try #require(facts.newestLoadedAt)
            let finished = try #require(run.finishedAt)
            for advance: TimeInterval in [0, 7 * 3600] {
                harness.clock.advance(by: advance)
                let reply = try await harness.ask("freshness raw.orders", slack: slack)
                #expect(reply.error == nil)
                #expect(reply.responseType == "ephemeral")
                let age = harness.clock.now.timeIntervalSince(newest)
                let line = try #require(reply.lines.first { $0.contains("`raw.orders` ·") })
                let light = age > 6 * 3600 ? ":red_circle:" : (age > 3 * 3600 ? ":large_yellow_circle:" : ":large_green_circle:")
                #expect(line.hasPrefix(light), "\(line)")
                #expect(line.contains(age < 60 ? "under a minute old" : "\(Format.duration(age)) old"), "\(line)")
                #expect(line.contains("warn after 3h, error after 6h"))
                #expect(line.contains("from column updated_at (newest \(Format.timestamp(newest)))"))
                let loaded = Format.ago(finished, now: harness.clock.now)
                #expect(line.contains("loaded by Sluice \(loaded) (run \(run.id))"))
                #expect(reply.text.hasPrefix("raw.orders: "))
                if advance > 0 {
                    #expect(reply.content.contains("*1 stale*"))
                    #expect(reply.content.contains(":red_circle: Stale: `raw.orders`"))
                }
            }

            // A pipeline, and every table: a line per table; tables without a check show their
            // metadata age and no thresholds; models say they were built.
            for (text, header) in [("freshness shop", "Freshness · pipeline shop"), ("freshness", "Freshness · every table")] {
                let reply = try await harness.ask(text, slack: slack)
                #expect(reply.error == nil)
                #expect(reply.blocks.first == .header(header))
                for table in shop.tables {
                    let lines = reply.lines.filter { $0.contains("`\(table)` ·") }
                    #expect(lines.count == 1, "\(table) in \(text)")
                    guard let line = lines.first, table != Self.ordersTable else { continue }
                    let metadata = try await harness.warehouse.freshness(of: table, loadedAt: nil)
                    let modified = try #require(metadata.lastModified)
                    let age = harness.clock.now.timeIntervalSince(modified)
                    #expect(line.hasPrefix(":white_circle:"), "\(line)")
                    #expect(line.contains("\(Format.duration(age)) old"), "\(line)")
                    #expect(line.contains("no thresholds"))
                    #expect(line.contains("from table metadata (newest \(Format.timestamp(modified)))"))
                    let verb = shop.model(named: table) != nil ? "built" : "loaded"
                    #expect(line.contains("\(verb) by Sluice"), "\(line)")
                }
                #expect(reply.content.contains("*1 stale* · 0 warn · 0 fresh · \(shop.tables.count - 1) without thresholds"))
            }
        }
    }

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

    @Test func costRepliesAddUpTheRecordedBytesBilledAndProjectTheMonth() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let run = try await harness.runShop()
            let now = harness.clock.now

            // Known bytes billed: the real run, an older scheduled run (only in 30d), a backfill (not averaged).
            let first = try await plantBytes(harness, runID: run.id) { step, index in
                step.kind == .model ? Int64(index + 1) * 10 * Self.gib : (step.kind == .check ? Self.gib : 0)
            }
            let older = try await plantRun(harness, trigger: .schedule, at: now.addingTimeInterval(-10 * 86_400)) { step, _ in
                step.kind == .model ? 5 * Self.gib : 0
            }
            let backfill = try await plantRun(harness, trigger: .backfill, at: now.addingTimeInterval(-3600)) { step, _ in
                step.kind == .model ? 100 * Self.gib : 0
            }
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = harness.manifest.timeZone
            let days = Double(try #require(calendar.range(of: .day, in: .month, for: now)?.count))
            func dollars(_ bytes: Int64) -> Double { CostModel.dollars(bytes: bytes, pricePerTiB: 6.25) }
            func total(_ steps: [StepRecord]) -> Int64 { steps.map(\.bytesBilled).reduce(0, +) }

            // Default window (7 days), every pipeline: the real run and the backfill.
            var reply = try await harness.ask("cost", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.responseType == "ephemeral")
            var billed = total(first) + total(backfill)
            #expect(reply.content.contains("*\(Format.dollars(dollars(billed)))* billed · \(Format.bytes(billed)) in 2 runs since"))
            var projection = 12 * dollars(total(first)) * days
            #expect(reply.content.contains("≈ *\(Format.dollars(projection))*"), "\(reply.content)")
            let models = (first + backfill).filter { $0.kind == .model }.map(\.bytesBilled).reduce(0, +)
            #expect(reply.content.contains("models \(Format.bytes(models)) · \(Format.dollars(dollars(models)))"))
            let priciest = try #require(first.filter { $0.kind == .model }.max { $0.bytesBilled < $1.bytesBilled })
            #expect(reply.content.contains("1. `\(priciest.stepID.dropFirst("model:".count))` (`shop`)"))
            #expect(reply.content.contains("SQLite warehouse: actual bytes billed are 0"))
            #expect(reply.content.contains("If it ran on BigQuery (estimated)"))

            // 30 days of one pipeline: all three runs; the average leaves the backfill out.
            reply = try await harness.ask("cost shop 30d", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.blocks.first == .header("Cost · shop · last 30 days"))
            billed = total(first) + total(older) + total(backfill)
            #expect(reply.content.contains("*\(Format.dollars(dollars(billed)))* billed · \(Format.bytes(billed)) in 3 runs since"))
            let average = (total(first) + total(older)) / 2
            projection = 12 * dollars(average) * days
            #expect(reply.content.contains("≈ *\(Format.dollars(projection))*"))
            #expect(reply.content.contains("12 runs/day × \(Format.bytes(average))/run (average of 2)"))
            #expect(reply.content.contains("Daily budget $5.00"))
        }
    }

    @Test func costEstimateDryRunsEveryModelAndSaysItIsAnEstimateOnSQLite() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            try await harness.runShop()
            let shop = try #require(harness.manifest.pipeline(named: "shop"))

            var expected: Int64 = 0
            var perModel: [TableName: Int64] = [:]
            for model in shop.models {
                let processed = try await harness.warehouse.estimateBytes(of: model)
                let billed = CostModel.billedEstimate(bytesProcessed: processed, referencedTables: Set(model.dependencies).count)
                perModel[model.name] = billed
                expected += billed
            }
            #expect(expected > 0)

            let reply = try await harness.ask("cost shop --estimate", slack: slack)
            #expect(reply.error == nil)
            #expect(reply.responseType == "ephemeral")
            let dollars = CostModel.dollars(bytes: expected, pricePerTiB: 6.25)
            #expect(reply.content.contains("≈ *\(Format.bytes(expected))* billed · *\(Format.dollars(dollars))* for the 8 models"))
            for (model, billed) in perModel {
                let line = try #require(reply.lines.first { $0.hasPrefix("`\(model)` ·") })
                #expect(line.contains(Format.bytes(billed) + " billed"), "\(line)")
            }
            let cap = try #require(harness.manifest.cost.maximumBytesBilled)
            #expect(reply.content.contains("Every model fits under the \(Format.bytes(cap)) cap per job"))
            #expect(reply.content.contains("Daily budget $5.00: this run uses"))
            #expect(reply.content.contains("12 runs/day ≈ \(Format.dollars(12 * dollars))/day"))
            #expect(reply.content.contains("SQLite warehouse: these are estimates from the referenced tables' sizes at BigQuery's price"))
            #expect(reply.text.contains("estimated from table sizes; SQLite bills nothing"))
        }
    }

    @Test func askingBeforeAnyRunSaysSoInsteadOfFailing() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack, orders: 50)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }

            let freshness = try await harness.ask("freshness raw.orders", slack: slack)
            #expect(freshness.error == nil)
            #expect(freshness.content.contains(":red_circle: `raw.orders` · *does not exist yet*"))
            #expect(freshness.content.contains("not written by Sluice yet"))

            let volume = try await harness.ask("volume raw.orders", slack: slack)
            #expect(volume.content.contains("does not exist yet; load or build it first"))

            let cost = try await harness.ask("cost today", slack: slack)
            #expect(cost.error == nil)
            #expect(cost.content.contains("*Nothing billed*: 0 runs since"))
            #expect(!cost.content.contains("$0.00"))
            #expect(cost.content.contains("no runs in this window") || cost.content.contains("nothing billed"))
        }
    }

    // MARK: - Reports from planted records

    static let utc = TimeZone(identifier: "UTC") ?? .current
    static let london = TimeZone(identifier: "Europe/London") ?? .current

    /// A manifest built in code: pipeline `p` (every 2 hours) loads raw.a (partitioned by `day`,
    /// freshness-checked on `ts`) and raw.c, builds mart.b (volume-checked on `d`); `q` has no schedule.
    static func plantedManifest() throws -> Manifest {
        let a = TableName(dataset: "raw", table: "a")
        let b = TableName(dataset: "mart", table: "b")
        let c = TableName(dataset: "raw", table: "c")
        let p = Pipeline(
            name: "p", schedule: try CronSchedule(parsing: "0 */2 * * *"), channel: nil, owners: [],
            sources: [Source(name: "s", kind: .csv(path: "s.csv"))],
            loads: [
                Load(source: "s", table: a, write: .append, partitionBy: "day"),
                Load(source: "s", table: c, write: .truncate),
            ],
            models: [Model(name: b, sqlPath: "b.sql", sql: "select * from raw.a", materialized: .table, dependencies: [a])],
            checks: [
                Check(name: "fresh_a", kind: .freshness(a, loadedAt: "ts", warnAfter: .hours(1), errorAfter: nil), severity: .error),
                Check(name: "vol_b", kind: .volume(b, VolumeSettings(dateColumn: "d", sensitivity: 2)), severity: .warn),
            ])
        let q = Pipeline(name: "q", schedule: nil, channel: nil, owners: [], sources: [], loads: [], models: [], checks: [])
        return Manifest(
            file: "sluice.yml", baseDirectory: "/", timeZone: utc, warehouse: .sqlite(path: "w"), cost: CostConfig(),
            slack: SlackConfig(defaultChannel: "#c"), access: AccessConfig(), backfill: BackfillConfig(), pipelines: [p, q])
    }

    @Test func freshnessReportJudgesAgesAgainstThresholds() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let t = TableName(dataset: "raw", table: "t")
        func observe(_ newest: TimeInterval?, warn: TimeSpan? = .hours(3), error: TimeSpan? = .hours(6), exists: Bool = true, problem: String? = nil) -> FreshnessObservation {
            FreshnessObservation(
                table: t, pipeline: "p",
                rule: FreshnessRule(table: t, pipeline: "p", source: .column("ts"), warnAfter: warn, errorAfter: error),
                reading: FreshnessReading(exists: exists, newest: newest.map { now.addingTimeInterval(-$0) }, problem: problem))
        }
        let report = FreshnessReport(observations: [
            observe(3600), observe(4 * 3600), observe(7 * 3600), observe(30 * 86_400, warn: nil, error: nil),
            observe(nil), observe(nil, error: nil, exists: false), observe(60, problem: "boom"), observe(-60), observe(3 * 3600),
        ], now: now)
        #expect(report.entries.map(\.verdict) == [.fresh, .warn, .stale, .unchecked, .stale, .warn, .unknown, .fresh, .fresh])
        #expect(report.entries.map(\.age) == [3600, 14_400, 25_200, 2_592_000, nil, nil, 60, 0, 10_800])
        #expect(report.count(.stale) == 2)
        #expect(report.count(.fresh) == 3)
        #expect(FreshnessSource.column("ts").description == "column ts")
        #expect(FreshnessSource.metadata.description == "table metadata")

        let manifest = try Self.plantedManifest()
        let a = TableName(dataset: "raw", table: "a")
        let rules = FreshnessRule.rules(for: a, in: manifest)
        #expect(rules == [FreshnessRule(table: a, pipeline: "p", source: .column("ts"), warnAfter: .hours(1), errorAfter: nil)])
        #expect(FreshnessRule.rules(for: TableName(dataset: "mart", table: "b"), in: manifest).isEmpty)
        #expect(FreshnessReport.requests(for: [a, TableName(dataset: "mart", table: "b")], in: manifest) == [
            FreshnessRequest(table: a, source: .column("ts")), FreshnessRequest(table: TableName(dataset: "mart", table: "b"), source: .metadata),
        ])
    }

    @Test func lastWritesAreTheNewestSucceededLoadsAndBuilds() {
        let t1 = Date(timeIntervalSince1970: 1_000)
        let t2 = Date(timeIntervalSince1970: 2_000)
        func run(_ id: Int64) -> RunRecord {
            RunRecord(id: id, pipeline: "p", state: .succeeded, trigger: .manual, requestedBy: "t", createdAt: t1)
        }
        func step(_ runID: Int64, _ id: String, _ kind: StepKind, _ state: StepState, _ finished: Date?) -> StepRecord {
            StepRecord(runID: runID, stepID: id, kind: kind, dependsOn: [], state: state, finishedAt: finished)
        }
        let writes = FreshnessReport.lastWrites(in: [
            (run(1), [step(1, "load:raw.a", .load, .succeeded, t1), step(1, "model:mart.b", .model, .succeeded, t1)]),
            (run(2), [step(2, "load:raw.a", .load, .succeeded, t2), step(2, "model:mart.b", .model, .failed, t2),
                      step(2, "check:fresh_a", .check, .succeeded, t2)]),
            (run(3), [step(3, "load:raw.a", .load, .succeeded, nil)]),
        ])
        #expect(writes.count == 2)
        #expect(writes[TableName(dataset: "raw", table: "a")] == FreshnessObservation.LastWrite(at: t2, runID: 2, kind: .load))
        #expect(writes[TableName(dataset: "mart", table: "b")] == FreshnessObservation.LastWrite(at: t1, runID: 1, kind: .model))
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

    @Test func costReportAddsUpBytesPerPipelineKindAndModelAndProjectsTheMonth() throws {
        let manifest = try Self.plantedManifest()
        let now = try #require(ISO8601DateFormatter().date(from: "2026-03-15T12:00:00Z"))
        func run(_ id: Int64, _ pipeline: String, _ trigger: RunTrigger, hoursAgo: Double, _ steps: [(String, StepKind, Int64)]) -> (run: RunRecord, steps: [StepRecord]) {
            let record = RunRecord(
                id: id, pipeline: pipeline, state: .succeeded, trigger: trigger, requestedBy: "t",
                createdAt: now.addingTimeInterval(-hoursAgo * 3600))
            return (record, steps.map { StepRecord(runID: id, stepID: $0.0, kind: $0.1, dependsOn: [], state: .succeeded, bytesBilled: $0.2 * Self.gib) })
        }
        let runs = [
            run(1, "p", .manual, hoursAgo: 1, [("load:raw.a", .load, 0), ("model:mart.b", .model, 30), ("model:mart.z", .model, 10), ("check:fresh_a", .check, 1)]),
            run(2, "p", .schedule, hoursAgo: 72, [("model:mart.b", .model, 10), ("model:mart.z", .model, 10)]),
            run(3, "p", .backfill, hoursAgo: 2, [("model:mart.b", .model, 100)]),
            run(4, "p", .schedule, hoursAgo: 8 * 24, [("model:mart.b", .model, 1000)]),
            run(5, "q", .manual, hoursAgo: 24, [("model:x.y", .model, 1)]),
        ]
        let report = CostReport(
            window: .last7d, now: now, timeZone: Self.london, pipelines: manifest.pipelines, runs: runs,
            pricePerTiB: 6.25, dailyBudget: 5)
        func dollars(_ gib: Double) -> Double { gib / 1024 * 6.25 }
        #expect(report.since == ISO8601DateFormatter().date(from: "2026-03-09T00:00:00Z"))
        #expect(report.runs == 4)
        #expect(report.bytesBilled == 162 * Self.gib)
        #expect(report.dollars == CostModel.dollars(bytes: 162 * Self.gib, pricePerTiB: 6.25))
        #expect(report.kinds.map(\.kind) == [.load, .model, .check])
        #expect(report.kinds.map(\.bytesBilled) == [0, 161 * Self.gib, Self.gib])
        #expect(report.kinds.map(\.steps) == [1, 6, 1])
        #expect(report.topModels.map(\.model) == ["mart.b", "mart.z", "x.y"])
        #expect(report.topModels.map(\.bytesBilled) == [140 * Self.gib, 20 * Self.gib, Self.gib])
        #expect(report.topModels.first?.builds == 3)
        #expect(report.month == "2026-03")
        #expect(report.daysInMonth == 31)

        let p = try #require(report.pipelines.first)
        #expect(p.runs == 3)
        #expect(p.bytesBilled == 161 * Self.gib)
        #expect(p.averagedRuns == 2)
        #expect(p.averageBytesPerRun == Double(61 * Self.gib) / 2)
        #expect(p.runsPerDay == 12)
        let daily = 12 * CostModel.dollars(bytes: 61 * Self.gib, pricePerTiB: 6.25) / 2
        #expect(abs((p.projectedDailyDollars ?? 0) - daily) < 1e-9)
        #expect(abs((p.projectedMonthDollars ?? 0) - daily * 31) < 1e-9)
        let q = try #require(report.pipelines.last)
        #expect(q.runsPerDay == 0)
        #expect(q.projectedMonthDollars == 0)
        #expect(abs(report.projectedMonthDollars - daily * 31) < 1e-9)
        #expect(abs(report.averageDailyDollars - dollars(162) / 7) < 1e-9)

        // Windows start at local midnight; schedules give runs per day.
        let summer = try #require(ISO8601DateFormatter().date(from: "2026-07-01T10:00:00Z"))
        #expect(CostReport.windowStart(.today, now: summer, timeZone: Self.london) == ISO8601DateFormatter().date(from: "2026-06-30T23:00:00Z"))
        #expect(CostReport.windowStart(.last30d, now: summer, timeZone: Self.utc) == ISO8601DateFormatter().date(from: "2026-06-02T00:00:00Z"))
        #expect(CostReport.runsPerDay(try CronSchedule(parsing: "*/15 * * * *"), after: summer, timeZone: Self.london) == 96)
        #expect(CostReport.runsPerDay(nil, after: summer, timeZone: Self.london) == 0)

        let message = CostMessages.cost(report, scope: nil, estimates: [], onSQLite: false, timeZone: Self.london)
        #expect(try blockKitProblems(message).isEmpty)
        let content = AskReply.text(of: message.blocks)
        #expect(content.contains("*\(Format.dollars(report.dollars))* billed · 162 GiB in 4 runs since 2026-03-09 00:00 Europe/London"))
        #expect(content.contains("`q` · 1 run · 1 GiB"))
        #expect(content.contains("no schedule (on demand only), not projected"))
        #expect(!content.contains("SQLite"))
    }

    @Test func costEstimateReportAppliesTheFloorTheCapAndTheBudget() throws {
        let estimates = [
            CostEstimateReport.ModelEstimate(model: TableName(dataset: "m", table: "a"), referencedTables: 2, bytesProcessed: Self.mib),
            CostEstimateReport.ModelEstimate(model: TableName(dataset: "m", table: "b"), referencedTables: 1, bytesProcessed: 60 * Self.gib),
            CostEstimateReport.ModelEstimate(model: TableName(dataset: "m", table: "c"), referencedTables: 1, bytesProcessed: nil, problem: "no access"),
        ]
        let report = CostEstimateReport(
            pipeline: "p", models: estimates, pricePerTiB: 6.25, maximumBytesBilled: 50 * Self.gib, dailyBudget: 5,
            runsPerDay: 12, fromTableSizes: false)
        #expect(estimates.map(\.bytesBilled) == [20 * Self.mib, 60 * Self.gib, 0])
        #expect(estimates.map(\.raisedToMinimum) == [true, false, false])
        #expect(report.bytesBilled == 20 * Self.mib + 60 * Self.gib)
        #expect(report.dollars == CostModel.dollars(bytes: 20 * Self.mib + 60 * Self.gib, pricePerTiB: 6.25))
        #expect(report.dailyDollars == 12 * report.dollars)
        #expect(report.overMaximum.map(\.model.table) == ["b"])
        #expect(report.unestimated.map(\.model.table) == ["c"])
        #expect(report.runShareOfBudget == report.dollars / 5)
        #expect(report.dailyShareOfBudget == 12 * report.dollars / 5)

        let message = CostMessages.estimate(report)
        #expect(try blockKitProblems(message).isEmpty)
        let content = AskReply.text(of: message.blocks)
        #expect(content.contains("(1 could not be estimated and count as 0)"))
        #expect(content.contains(":no_entry: 1 model would exceed the 50 GiB cap per job (`cost.maximum_bytes_billed`) and be refused: `m.b`"))
        #expect(content.contains("`m.a` · reads 2 tables · 1 MiB processed → 20 MiB billed (minimum)"))
        #expect(content.contains(":grey_question: `m.c` · could not estimate: no access"))
        #expect(content.contains("From BigQuery dry runs"))
    }

    @Test func repliesStayWithinBlockKitLimitsForAnyNumberOfTables() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let observations = (0..<1_000).map { (index: Int) -> FreshnessObservation in
            let table = TableName(dataset: "ds\(index % 40)", table: "table_with_a_long_name_\(index)")
            let rule = index % 2 == 0
                ? FreshnessRule(table: table, pipeline: "pipeline_\(index / 20)", source: .metadata, warnAfter: .hours(3), errorAfter: .hours(6))
                : nil
            return FreshnessObservation(
                table: table, pipeline: "pipeline_\(index / 20)", rule: rule,
                reading: FreshnessReading(exists: true, newest: now.addingTimeInterval(-Double(index) * 600)),
                lastWrite: FreshnessObservation.LastWrite(at: now, runID: Int64(index), kind: .model))
        }
        let freshness = FreshnessMessages.freshness(FreshnessReport(observations: observations, now: now), scope: nil)
        #expect(try blockKitProblems(freshness).isEmpty)
        #expect(freshness.blocks.count <= BlockLimits.messageBlocks)
        let text = AskReply.text(of: freshness.blocks)
        #expect(text.contains("more lines not shown; ask `/sluice freshness PIPELINE`"))
        #expect(text.contains("*\(observations.indices.filter { $0 % 2 == 0 && Double($0) * 600 > 6 * 3600 }.count) stale*"))

        let history = (0..<120).map { offset -> DayCount in
            let noise = Int64(offset * 7919 % 5000)
            return DayCount(day: Days.adding(offset, to: "2026-01-01") ?? "", rows: 1_000_000 + noise)
        }
        let volume = VolumeMessages.volume(VolumeReport(
            table: TableName(dataset: "raw", table: "a"),
            judgement: VolumeJudgement(settings: VolumeSettings(), basis: .column("d", origin: .partition), hasCheck: false),
            history: history, today: "2026-04-30", count: 90), checked: false)
        #expect(try blockKitProblems(volume).isEmpty)
        #expect(AskReply.text(of: volume.blocks).contains("`raw.a` has no volume check, so the default settings apply."))
        #expect(AskReply.text(of: volume.blocks).split(separator: "\n").filter { $0.hasPrefix("`2026-") }.count == 90)

        var pipelines: [Pipeline] = []
        var runs: [(run: RunRecord, steps: [StepRecord])] = []
        for index in 0..<2_000 {
            pipelines.append(Pipeline(name: "pipeline_\(index)", schedule: nil, channel: nil, owners: [], sources: [], loads: [], models: [], checks: []))
            runs.append((
                RunRecord(id: Int64(index), pipeline: "pipeline_\(index)", state: .succeeded, trigger: .manual, requestedBy: "t", createdAt: now),
                [StepRecord(runID: Int64(index), stepID: "model:m.t\(index)", kind: .model, dependsOn: [], bytesBilled: Self.gib)]))
        }
        let report = CostReport(window: .today, now: now, timeZone: Self.utc, pipelines: pipelines, runs: runs, pricePerTiB: 6.25, dailyBudget: nil)
        let cost = CostMessages.cost(report, scope: nil, estimates: [], onSQLite: false, timeZone: Self.utc)
        #expect(try blockKitProblems(cost).isEmpty)
        #expect(AskReply.text(of: cost.blocks).contains("more pipelines not shown"))
        #expect(report.bytesBilled == 2_000 * Self.gib)
    }

    // MARK: - Planting step records

    /// Sets each step's bytes billed of run `runID` (index = position in the run) and returns the steps.
    private func plantBytes(
        _ harness: AskHarness, runID: Int64, _ bytes: @escaping @Sendable (StepRecord, Int) -> Int64
    ) async throws -> [StepRecord] {
        try await harness.state.write { writer in
            var steps = try writer.steps(runID: runID)
            for index in steps.indices {
                steps[index].bytesBilled = bytes(steps[index], index)
                try writer.updateStep(steps[index])
            }
            return steps
        }
    }

    /// Records a finished run of `shop` created at `at`, with every step succeeded and billing `bytes`.
    private func plantRun(
        _ harness: AskHarness, trigger: RunTrigger, at: Date, _ bytes: @escaping @Sendable (StepRecord, Int) -> Int64
    ) async throws -> [StepRecord] {
        let shop = try #require(harness.manifest.pipeline(named: "shop"))
        let planned = RunPlan.steps(for: shop).map { StepRecord(runID: 0, stepID: $0.id, kind: $0.kind, dependsOn: $0.dependsOn) }
        return try await harness.state.write { writer in
            var run = try writer.insertRun(
                pipeline: "shop", trigger: trigger, requestedBy: "scheduler", rerunOf: nil, backfillDays: nil, steps: planned, at: at)
            run.state = .succeeded
            run.startedAt = at
            run.finishedAt = at.addingTimeInterval(60)
            try writer.updateRun(run)
            var steps = try writer.steps(runID: run.id)
            for index in steps.indices {
                steps[index].state = .succeeded
                steps[index].startedAt = at
                steps[index].finishedAt = at.addingTimeInterval(60)
                steps[index].bytesBilled = bytes(steps[index], index)
                try writer.updateStep(steps[index])
            }
            return steps
        }
    }
}
