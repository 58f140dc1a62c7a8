import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse

/// `/sluice freshness`: replies over signed HTTP on the demo pipeline, and the report's judgement.
@Suite("Questions from Slack: freshness")
struct AskFreshnessTests: AskSuite {
    static let ordersTable = TableName(dataset: "raw", table: "orders")

    @Test func freshnessRepliesMatchTheWarehouseAndTheThresholds() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try AskHarness(slack: slack)
            let workTask = Task { await harness.work.run() }
            defer { workTask.cancel() }
            let run = try await harness.runShop()
            let shop = try #require(harness.manifest.pipeline(named: "shop"))

            // One table with a freshness check: its age from the loaded_at column, and both thresholds.
            let facts = try await harness.warehouse.freshness(of: Self.ordersTable, loadedAt: "updated_at", context: nil)
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
                    let metadata = try await harness.warehouse.freshness(of: table, loadedAt: nil, context: nil)
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
}
