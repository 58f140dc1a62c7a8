import Foundation
import Logging
import SluiceCore
import StateStore
import Synchronization
import Testing
import Warehouse
import Worker

/// A manifest of `pipelines × loadsPerPipeline × 2` tables (each pipeline loads `raw.pN_tNN` and
/// builds `mart.pN_mNN` from it) in a real SQLite warehouse, with state planted for the digest:
/// runs and their billed bytes over nine days, alerts, mutes and daily row counts. `Planted` holds
/// the figures the plan produces.
struct DigestFixture {
    /// 2026-06-10 09:00 in Europe/London (08:00 UTC): the digest is built then.
    static let now = Date(timeIntervalSince1970: 1_781_078_400)
    /// One TiB, what BigQuery's price is quoted per.
    static let tib: Int64 = 1 << 40

    /// What was planted, as the digest should report it.
    struct Planted {
        var tables = 0
        var runsInWindow = 0
        var succeeded = 0
        var failed = 0
        var cancelled = 0
        var slowestRunID: Int64 = 0
        var stale = 0
        var warn = 0
        var fresh = 0
        var unchecked = 0
        var anomalousTables: [String] = []
        var openAlerts = 0
        var acknowledgedAlerts = 0
        var mutedAlertID: Int64 = 0
        var activeMutes = 0
        var yesterdayBytes: Int64 = 0
        var previousDayBytes: Int64 = 0
    }

    let workspace: Workspace
    let manifest: Manifest
    let state: SQLiteStateStore
    let warehouse: SQLiteWarehouse
    let clock: TestClock
    let planted: Planted

    /// The digest service over this fixture.
    var service: DigestService {
        DigestService(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: Logger(label: "digest-test"))
    }

    /// Builds the workspace, the warehouse tables and the planted state.
    static func make(pipelines: Int = 3, loadsPerPipeline: Int = 50) async throws -> DigestFixture {
        let workspace = try Workspace()
        try workspace.write("data/rows.csv", "id,updated_at\n1,2026-06-10 07:00:00\n")
        for p in 0..<pipelines {
            for t in 0..<loadsPerPipeline {
                try workspace.write("models/\(model(p, t)).sql", "select id, updated_at from raw.\(load(p, t))")
            }
        }
        let manifest = try workspace.manifest(manifestYAML(pipelines: pipelines, loadsPerPipeline: loadsPerPipeline))
        let clock = TestClock(now)
        let warehouse = try SQLiteWarehouse(directory: workspace.path("warehouse"), clock: clock)
        let state = try workspace.stateStore()
        var planted = Planted()
        planted.tables = pipelines * loadsPerPipeline * 2
        try await buildTables(manifest: manifest, warehouse: warehouse, planted: &planted)
        try await plantRuns(pipelines: pipelines, state: state, planted: &planted)
        try await plantAlertsAndMutes(state: state, planted: &planted)
        try await plantCounts(pipelines: pipelines, loadsPerPipeline: loadsPerPipeline, state: state, planted: &planted)
        return DigestFixture(
            workspace: workspace, manifest: manifest, state: state, warehouse: warehouse, clock: clock, planted: planted)
    }

    static func load(_ p: Int, _ t: Int) -> String { String(format: "p%d_t%02d", p, t) }
    static func model(_ p: Int, _ t: Int) -> String { String(format: "p%d_m%02d", p, t) }

    static func manifestYAML(pipelines: Int, loadsPerPipeline: Int) -> String {
        var yaml = """
            timezone: Europe/London
            warehouse: { kind: sqlite, path: warehouse }
            cost: { price_per_tib: 6.25, daily_budget: 10.00 }
            slack:
              default_channel: "#alerts"
              digest: { at: "09:00", channel: "#data" }
            pipelines:

            """
        for p in 0..<pipelines {
            yaml += "  p\(p):\n    schedule: \"0 6 * * *\"\n    sources:\n"
            for t in 0..<loadsPerPipeline { yaml += "      s\(t): { kind: csv, path: data/rows.csv }\n" }
            yaml += "    loads:\n"
            for t in 0..<loadsPerPipeline {
                yaml += "      - { source: s\(t), table: raw.\(load(p, t)), write: truncate, columns: { id: integer, updated_at: timestamp } }\n"
            }
            yaml += "    models:\n"
            for t in 0..<loadsPerPipeline {
                yaml += "      - { name: mart.\(model(p, t)), sql: models/\(model(p, t)).sql, materialized: table }\n"
            }
            yaml += "    checks:\n"
            for t in 0..<loadsPerPipeline {
                yaml += "      - { freshness: raw.\(load(p, t)), loaded_at: updated_at, warn_after: 3h, error_after: 6h }\n"
                yaml += "      - { volume: raw.\(load(p, t)), severity: warn }\n"
            }
        }
        return yaml
    }

    /// Loads every `raw` table (pipeline 0's first ten 7 hours old, the next fifteen 4 hours old,
    /// the others 30 minutes old) and builds the models of every pipeline but the last.
    private static func buildTables(manifest: Manifest, warehouse: SQLiteWarehouse, planted: inout Planted) async throws {
        try await warehouse.prepare(datasets: ["raw", "mart"])
        let columns = [Column(name: "id", type: .integer), Column(name: "updated_at", type: .timestamp)]
        for (p, pipeline) in manifest.pipelines.enumerated() {
            for (t, load) in pipeline.loads.enumerated() {
                let hours: Double = p == 0 && t < 10 ? 7 : (p == 0 && t < 25 ? 4 : 0.5)
                if hours == 7 { planted.stale += 1 } else if hours == 4 { planted.warn += 1 } else { planted.fresh += 1 }
                let request = LoadRequest(
                    table: load.table, columns: columns, write: .truncate, partitionBy: nil,
                    context: JobContext(pipeline: pipeline.name, runID: 0, stepID: "load:\(load.source)"))
                let rows = DigestPlantedRows([[.integer(1), .timestamp(utcText(now.addingTimeInterval(-hours * 3600)))]])
                _ = try await warehouse.load(request, rows: rows)
            }
            planted.unchecked += pipeline.models.count
            guard p < manifest.pipelines.count - 1 else { continue }
            for model in pipeline.models {
                _ = try await warehouse.materialize(model, context: JobContext(pipeline: pipeline.name, runID: 0, stepID: "model:\(model.name)"))
            }
        }
    }

    /// Daily 06:00 runs for nine days (billing 1 TiB a day on `p0`, and 2 TiB in all yesterday) and,
    /// in the last 24 hours, nine runs: six succeeded, two failed (one interrupted), one cancelled.
    private static func plantRuns(pipelines: Int, state: SQLiteStateStore, planted: inout Planted) async throws {
        struct Planned {
            let pipeline: String
            let createdAt: Date
            let state: RunState
            let minutes: Double
            let billed: Int64
        }
        let sixOClock = now.addingTimeInterval(-3 * 3600)
        var plan: [Planned] = []
        for daysAgo in (1...8).reversed() {
            for p in 0..<pipelines {
                let billed: Int64 = daysAgo == 1 ? (p == 0 ? tib : tib / 2) : (p == 0 ? tib : 0)
                plan.append(Planned(pipeline: "p\(p)", createdAt: sixOClock.addingTimeInterval(Double(-daysAgo) * 86_400),
                                    state: .succeeded, minutes: 5, billed: billed))
            }
        }
        // Hours before now, state, minutes taken, bytes billed (only today's runs bill, so yesterday stays 2 TiB).
        let window: [(String, Double, RunState, Double, Int64)] = [
            ("p1", -22, .succeeded, 42, 0), ("p0", -20, .succeeded, 6, 0), ("p1", -18, .interrupted, 3, 0),
            ("p2", -16, .cancelled, 1, 0), ("p0", -12, .failed, 2, 0), ("p0", -3, .succeeded, 7, tib / 4),
            ("p1", -3, .succeeded, 5, 0), ("p2", -3, .succeeded, 4, 0), ("p0", -1, .succeeded, 3, tib / 8),
        ]
        plan += window.map {
            Planned(pipeline: $0.0, createdAt: now.addingTimeInterval($0.1 * 3600), state: $0.2, minutes: $0.3, billed: $0.4)
        }
        plan.sort { $0.createdAt < $1.createdAt }
        planted.runsInWindow = window.count
        planted.succeeded = window.filter { $0.2 == .succeeded }.count
        planted.failed = window.filter { $0.2 == .failed || $0.2 == .interrupted }.count
        planted.cancelled = window.filter { $0.2 == .cancelled }.count
        planted.yesterdayBytes = 2 * tib
        planted.previousDayBytes = tib
        let planned = plan
        let ids = try await state.write { writer in
            try planned.map { planned -> Int64 in
                let steps = [
                    StepRecord(runID: 0, stepID: "load:s0", kind: .load, dependsOn: []),
                    StepRecord(runID: 0, stepID: "model:mart.m", kind: .model, dependsOn: ["load:s0"]),
                ]
                var run = try writer.insertRun(
                    pipeline: planned.pipeline, trigger: .schedule, requestedBy: "scheduler", rerunOf: nil, backfillDays: nil,
                    steps: steps, at: planned.createdAt)
                run.state = planned.state
                run.startedAt = planned.createdAt
                run.finishedAt = planned.createdAt.addingTimeInterval(planned.minutes * 60)
                run.error = planned.state == .failed ? "model:mart.m failed: no such table" : nil
                try writer.updateRun(run)
                for var step in try writer.steps(runID: run.id) {
                    step.state = .succeeded
                    step.rows = step.kind == .load ? 100 : nil
                    step.bytesBilled = step.kind == .model ? planned.billed : 0
                    try writer.updateStep(step)
                }
                return run.id
            }
        }
        let slowest = zip(plan, ids).filter { $0.0.minutes == 42 }.map(\.1)
        planted.slowestRunID = slowest.first ?? 0
    }

    /// Eight alerts (four open, three acknowledged by `U0ACKER`, one resolved; one open alert on
    /// `raw.p0_t05` is muted) and three mutes (two active).
    private static func plantAlertsAndMutes(state: SQLiteStateStore, planted: inout Planted) async throws {
        let statuses: [(AlertStatus, AlertSeverity, String)] = [
            (.open, .error, "raw.p0_t00"), (.open, .warning, "raw.p0_t05"), (.open, .error, "raw.p1_t00"),
            (.open, .warning, "raw.p1_t01"), (.acknowledged, .error, "raw.p2_t00"), (.acknowledged, .warning, "raw.p2_t01"),
            (.acknowledged, .error, "raw.p2_t02"), (.resolved, .error, "raw.p2_t03"),
        ]
        planted.openAlerts = 4
        planted.acknowledgedAlerts = 3
        planted.activeMutes = 2
        planted.mutedAlertID = try await state.write { writer in
            var muted: Int64 = 0
            for (index, (status, severity, table)) in statuses.enumerated() {
                let pipeline = String(table.dropFirst(4).prefix(2))
                var alert = try writer.insertAlert(AlertRecord(
                    id: 0, fingerprint: "\(pipeline)/check\(index)/\(table)", pipeline: pipeline, check: "check\(index)",
                    table: table, severity: severity, status: status, title: "planted alert \(index) on \(table)", detail: "",
                    runID: 1, openedAt: now.addingTimeInterval(Double(-index - 1) * 3600), lastSeenAt: now))
                if status == .acknowledged {
                    alert.acknowledgedBy = "U0ACKER"
                    alert.acknowledgedAt = now.addingTimeInterval(-600)
                    try writer.updateAlert(alert)
                }
                if table == "raw.p0_t05" { muted = alert.id }
            }
            for (target, hours) in [("raw.p0_t05", 4.0), ("p2", 48.0), ("p1", -1.0)] {
                _ = try writer.insertMute(MuteRecord(
                    id: 0, target: target, createdBy: "U0MUTER", reason: "planted", createdAt: now.addingTimeInterval(-7200),
                    endsAt: now.addingTimeInterval(hours * 3600)))
            }
            return muted
        }
    }

    /// Twenty-one days of counts around 1,000 rows for every load; today's count of three tables of
    /// `p1` drops to 100.
    private static func plantCounts(pipelines: Int, loadsPerPipeline: Int, state: SQLiteStateStore, planted: inout Planted) async throws {
        let today = Days.string(now, in: TimeZone(identifier: "Europe/London") ?? .gmt)
        let anomalous = Set((0..<3).map { "raw.\(load(1, $0))" })
        planted.anomalousTables = anomalous.sorted()
        try await state.write { writer in
            for p in 0..<pipelines {
                for t in 0..<loadsPerPipeline {
                    let table = "raw.\(load(p, t))"
                    let counts = (0...20).compactMap { daysAgo -> DayCount? in
                        guard let day = Days.adding(-daysAgo, to: today) else { return nil }
                        let rows: Int64 = daysAgo == 0 && anomalous.contains(table) ? 100 : 1000 + Int64(daysAgo % 3) * 10
                        return DayCount(day: day, rows: rows)
                    }
                    try writer.recordDailyCounts(table: table, counts: counts)
                }
            }
        }
    }

    /// `YYYY-MM-DD HH:MM:SS` in UTC.
    static func utcText(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970)
        let day = Days.string(date, in: .gmt)
        let second = ((seconds % 86_400) + 86_400) % 86_400
        return day + String(format: " %02d:%02d:%02d", second / 3600, second % 3600 / 60, second % 60)
    }
}

/// Rows for a warehouse load, from an array.
final class DigestPlantedRows: RowSource {
    private var rows: [[Value]]

    init(_ rows: [[Value]]) {
        self.rows = rows
    }

    func nextRow() throws -> [Value]? {
        rows.isEmpty ? nil : rows.removeFirst()
    }
}

/// A clock whose `sleep(until:)` waits for the test: every requested wake-up time arrives on
/// `sleeps`, and `wake()` moves the clock there and resumes the sleeper. Cancellation ends the sleep.
final class DigestTestClock: WallClock {
    private struct Sleeper {
        var until: Date
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleeper: Sleeper?
        var cancelled = false
    }

    private let state: Mutex<State>
    private let requests: AsyncStream<Date>.Continuation
    /// The wake-up times asked for, in order.
    let sleeps: AsyncStream<Date>

    init(_ start: Date) {
        state = Mutex(State(now: start))
        (sleeps, requests) = AsyncStream.makeStream(of: Date.self)
    }

    var now: Date { state.withLock { $0.now } }

    func sleep(until date: Date) async throws {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let cancelled = state.withLock { state -> Bool in
                    if state.cancelled { return true }
                    state.sleeper = Sleeper(until: date, continuation: continuation)
                    return false
                }
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                } else {
                    requests.yield(date)
                }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> Sleeper? in
                state.cancelled = true
                defer { state.sleeper = nil }
                return state.sleeper
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves the clock to the pending sleep's wake-up time and resumes it.
    func wake() {
        let sleeper = state.withLock { state -> Sleeper? in
            defer { state.sleeper = nil }
            if let sleeper = state.sleeper { state.now = max(state.now, sleeper.until) }
            return state.sleeper
        }
        sleeper?.continuation.resume()
    }
}

/// Dates written as ISO 8601 in tests.
enum DigestInstant {
    /// `2026-03-29T01:00:00Z` as a date; fails the test when malformed.
    static func utc(_ text: String) throws -> Date {
        try #require(ISO8601DateFormatter().date(from: text), "\(text) is not an ISO 8601 instant")
    }
}
