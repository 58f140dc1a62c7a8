import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse

/// What the suites of questions from Slack (freshness, volume, cost) share: sizes, time zones and
/// a manifest built in code for the reports from planted records.
protocol AskSuite {}

extension AskSuite {
    static var gib: Int64 { 1 << 30 }
    static var utc: TimeZone { TimeZone(identifier: "UTC") ?? .current }
    static var london: TimeZone { TimeZone(identifier: "Europe/London") ?? .current }

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
}
