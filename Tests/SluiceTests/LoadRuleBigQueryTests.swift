import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Warehouse
@testable import Worker

/// The load rule's sequences through the BigQuery warehouse against the fake's wire. The fake runs no
/// SQL, so the test replays what Sluice sent: staged rows and the `MERGE` that must keep a key's newest
/// version (its cursor condition is checked word for word), and `table$YYYYMMDD` loads with
/// `WRITE_TRUNCATE` that replace exactly one day. The replayed table must equal the oracle.
@Suite("The load rule holds through the BigQuery warehouse's wire")
struct LoadRuleBigQueryTests: BigQueryWarehouseSuite {
    static let seeds: [UInt64] = Array(1...40)

    @Test("seed", arguments: seeds)
    func randomHistory(seed: UInt64) async throws {
        try await FakeBigQuery.run { fake in
            let space = try Workspace()
            let manifest = try space.manifest(LoadRuleModelTests.manifestYAML)
            let state = try space.stateStore()
            let warehouse = Self.warehouse(fake)
            fake.createDataset("raw")
            let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: TestClock(), logger: Logger(label: "test"))
            var model = LoadRuleModel(seed: seed)
            var table = ReplayedTable()
            var history: [String] = []
            for _ in 0..<LoadRuleModelTests.steps {
                let action = model.next()
                history.append(action.description)
                let trail = "seed \(seed): \(history.joined(separator: " → "))"
                fake.clearRecords()
                switch action {
                case let .writeFile(day, _):
                    try space.write("exports/sales_\(day).csv", model.text(of: day))
                    continue
                case let .touch(day):
                    try FileManager.default.setAttributes(
                        [.modificationDate: Date().addingTimeInterval(Double(history.count))], ofItemAtPath: space.path("exports/sales_\(day).csv"))
                    continue
                case .run, .fullRefresh:
                    let run = try await runner.run(RunRequest(
                        pipeline: "sales", trigger: .manual, requestedBy: "t", fullRefresh: action == .fullRefresh))
                    let errors = try await LoadRuleModelTests.errors(run, state)
                    try #require(run.state == .succeeded, "\(trail): \(errors)")
                case .crashAfterLoad:
                    try await LoadRuleModelTests.loadThenDie(manifest: manifest, state: state, warehouse: warehouse)
                case let .backfill(days):
                    let backfills = BackfillRunner(runner: runner)
                    let started = try await backfills.start(pipeline: "sales", days: days, requestedBy: "t", channel: "#alerts")
                    let finished = try await backfills.execute(backfillID: started.backfill.id)
                    try #require(finished.state == .succeeded, "\(trail): \(finished.error ?? "")")
                }
                try table.replay(fake.jobs, trail: trail)
                if case let .backfill(days) = action, model.pending {
                    #expect(table.rows(days: Set(days)) == model.expected(days: Set(days)), "\(trail)")
                } else {
                    #expect(table.rows() == model.expected(), "\(trail)")
                }
            }
        }
    }
}

/// `raw.sales` as BigQuery would hold it after the jobs Sluice sent, by the documented semantics of
/// each: a staging load, the `MERGE` from it, and partition loads with `WRITE_TRUNCATE`.
struct ReplayedTable {
    private(set) var byID: [Int: SaleVersion] = [:]
    private var staged: [SaleVersion] = []
    /// Older rows of keys a backfill wrote into its days, still in another day until deleted.
    private var stale: [Int: SaleVersion] = [:]

    /// The `WHEN MATCHED` condition a merge load with a cursor must carry.
    static let newerOnly = "WHEN MATCHED AND (T.`updated_at` IS NULL OR S.`updated_at` > T.`updated_at` OR (S.`updated_at` = T.`updated_at` AND "
    /// The newest staged version of each key.
    static let newestStaged = "ORDER BY `updated_at` DESC NULLS LAST, `_sluice_seq` DESC"

    func rows(days: Set<String>? = nil) -> [[String?]] {
        byID.values.filter { days?.contains($0.day) ?? true }.sorted { $0.id < $1.id }.map(\.cells)
    }

    mutating func replay(_ jobs: [FakeJob], trail: String) throws {
        defer { #expect(stale.isEmpty, "\(trail): keys \(stale.keys.sorted()) left in two partitions") }
        for job in jobs {
            let destination = job.destination ?? ""
            if job.type == "LOAD", destination.hasPrefix("raw._sluice_stage_sales_") {
                staged = try job.rows.map(Self.version)
            } else if job.type == "LOAD", let dollar = destination.firstIndex(of: "$"), destination.hasPrefix("raw.sales$") {
                #expect(job.writeDisposition == "WRITE_TRUNCATE", "\(trail)")
                let compact = destination[destination.index(after: dollar)...]
                let day = "\(compact.prefix(4))-\(compact.dropFirst(4).prefix(2))-\(compact.suffix(2))"
                let rows = try job.rows.map(Self.version)
                #expect(rows.allSatisfy { $0.day == day }, "\(trail): a row outside \(day) in its partition load")
                #expect(Set(rows.map(\.id)).count == rows.count, "\(trail): a key twice in the \(day) partition")
                byID = byID.filter { $0.value.day != day }
                for row in rows {
                    // Two rows of the key until the DELETE below removes the older one outside the days.
                    if let held = byID[row.id] { stale[row.id] = held }
                    byID[row.id] = row
                }
            } else if job.type == "QUERY", let sql = job.sql, sql.hasPrefix("DELETE FROM `raw.sales` AS O WHERE DATE(O.`sale_date`) NOT IN (") {
                #expect(sql.contains("AND EXISTS (SELECT 1 FROM `raw.sales` AS N WHERE DATE(N.`sale_date`) IN ("), "\(trail)")
                #expect(sql.hasSuffix("AND N.`id` = O.`id`)"), "\(trail)")
                stale = [:]
            } else if job.type == "QUERY", let sql = job.sql, sql.hasPrefix("MERGE `raw.sales`") {
                #expect(sql.contains(Self.newestStaged), "\(trail): the staged rows are not reduced to each key's newest version")
                let newest = Self.newestPerKey(staged)
                if sql.contains("\nON FALSE\n") {
                    #expect(sql.contains("WHEN NOT MATCHED BY SOURCE THEN DELETE"), "\(trail)")
                    byID = Dictionary(uniqueKeysWithValues: newest.map { ($0.id, $0) })
                } else {
                    #expect(sql.contains(Self.newerOnly), "\(trail): the MERGE may replace a row with an older version")
                    for row in newest {
                        if let held = byID[row.id], held.updatedAt > row.updatedAt { continue }
                        byID[row.id] = row
                    }
                }
            } else if job.type == "LOAD", destination == "raw.sales" {
                Issue.record("\(trail): a merge load must not load into raw.sales directly")
            }
        }
    }

    private static func newestPerKey(_ rows: [SaleVersion]) -> [SaleVersion] {
        var newest: [Int: SaleVersion] = [:]
        for row in rows where (newest[row.id]?.updatedAt ?? Int.min) <= row.updatedAt {
            newest[row.id] = row
        }
        return Array(newest.values)
    }

    private static func version(_ row: [String: Any]) throws -> SaleVersion {
        let id = try #require((row["id"] as? NSNumber)?.intValue)
        let day = try #require(row["sale_date"] as? String)
        let amount = try #require((row["amount"] as? NSNumber)?.intValue)
        let stamp = try #require(row["updated_at"] as? String)
        return SaleVersion(id: id, day: day, amount: amount, updatedAt: try #require(LoadRuleModel.seconds(stamp)))
    }
}
