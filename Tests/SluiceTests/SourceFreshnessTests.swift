import Foundation
import Logging
import SluiceCore
import StateStore
import Testing
import Worker

/// `freshness: SOURCE`: how old the newest data in a source itself is (here a file source's newest
/// modification time), judged by the same limits as a table's, alerting like any check, and listed
/// by `/sluice freshness`.
@Suite("Source freshness checks")
struct SourceFreshnessTests {
    static let manifestText = """
        timezone: UTC
        warehouse: { kind: sqlite, path: warehouse }
        slack: { default_channel: "#alerts" }
        pipelines:
          lake:
            sources:
              exports: { kind: csv, path: land/*.csv }
            loads:
              - { source: exports, table: raw.exports, write: append }
            checks:
              - { freshness: exports, warn_after: 26h, error_after: 50h }
        """

    /// Sets the file's modification time to `age` seconds before `now`.
    static func age(_ path: String, by age: TimeInterval, now: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: now.addingTimeInterval(-age)], ofItemAtPath: path)
    }

    @Test("the newest file's age warns past warn_after, fails past error_after with an alert, and resolves once a new file lands")
    func judgesTheNewestFile() async throws {
        let workspace = try Workspace()
        let clock = TestClock(Date())
        try workspace.write("land/a.csv", "id\n1\n")
        try workspace.write("land/b.csv", "id\n2\n")
        try Self.age(workspace.path("land/a.csv"), by: 80 * 3600, now: clock.now)
        try Self.age(workspace.path("land/b.csv"), by: 30 * 3600, now: clock.now)
        let manifest = try workspace.manifest(Self.manifestText)
        let state = try workspace.stateStore()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: try workspace.warehouse(), clock: clock, logger: Logger(label: "t"))
        let step = "check:source_freshness_exports"

        let warned = try await runner.run(RunRequest(pipeline: "lake", trigger: .manual, requestedBy: "t"))
        let warnStep = try #require(try await state.read { try $0.steps(runID: warned.id) }.first { $0.stepID == step })
        #expect(warnStep.checkStatus == .warn, "\(warnStep.detail ?? "") \(warnStep.error ?? "")")
        #expect((warnStep.detail ?? "").contains("source exports's newest data is 1d 6h old (warn after 1d 2h"), "\(warnStep.detail ?? "")")

        try Self.age(workspace.path("land/b.csv"), by: 51 * 3600, now: clock.now)
        let failed = try await runner.run(RunRequest(pipeline: "lake", trigger: .manual, requestedBy: "t"))
        let failStep = try #require(try await state.read { try $0.steps(runID: failed.id) }.first { $0.stepID == step })
        #expect(failStep.state == .failed)
        #expect(failStep.checkStatus == .fail)
        let open = try await state.read { try $0.alerts(status: [.open], limit: 10) }
        #expect(open.map(\.check) == ["source_freshness_exports"])
        #expect(open.first?.title.contains("error after 2d 2h") == true, "\(open.first?.title ?? "")")

        try workspace.write("land/c.csv", "id\n3\n")
        let fresh = try await runner.run(RunRequest(pipeline: "lake", trigger: .manual, requestedBy: "t"))
        #expect(fresh.state == .succeeded)
        #expect(try await state.read { try $0.alerts(status: [.open], limit: 10) }.isEmpty)
        #expect(try await state.read { try $0.alerts(status: [.resolved], limit: 10) }.count == 1)
    }

    @Test("a source with no files yet counts as older than every threshold")
    func noFiles() async throws {
        let workspace = try Workspace()
        let manifest = try workspace.manifest(Self.manifestText)
        let rule = try #require(SourceFreshnessRule.all(in: manifest).first)
        let readings = await SourceFreshnessProbe(manifest: manifest, logger: Logger(label: "t")).read([rule])
        #expect(readings == [SourceFreshnessReading(rule: rule, kind: "csv", newest: nil)])
        #expect(readings[0].verdict(now: Date()) == .stale)
    }

    @Test("/sluice freshness lists sources after the tables, with their light, age and thresholds")
    func listedInTheReply() throws {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let rule = SourceFreshnessRule(pipeline: "lake", source: "exports", limits: FreshnessLimits(warnAfter: .hours(26), errorAfter: .hours(50)))
        let readings = [
            SourceFreshnessReading(rule: rule, kind: "gcs", newest: now.addingTimeInterval(-30 * 3600)),
            SourceFreshnessReading(rule: SourceFreshnessRule(pipeline: "shop", source: "orders", limits: rule.limits), kind: "postgres", newest: nil, problem: "could not connect to postgres at db:5432"),
        ]
        let report = FreshnessReport(subjects: [], manifest: try workspaceManifest(), readings: [:], lastWrites: [:], now: now)
        let message = FreshnessMessages.freshness(report, sources: readings, scope: nil)
        let text = message.blocks.map { "\($0)" }.joined(separator: "\n")
        #expect(text.contains("*Sources*"))
        #expect(text.contains(":large_yellow_circle: source `exports` (gcs) · *1d 6h old* · warn after 1d 2h, error after 2d 2h"), "\(text)")
        #expect(text.contains(":grey_question: source `orders` (postgres) · could not be read: could not connect to postgres at db:5432"))
    }

    private func workspaceManifest() throws -> Manifest {
        try parseManifest(Self.manifestText).get()
    }

    @Test("a source freshness check names a source the pipeline has, of a kind whose freshness can be read")
    func diagnostics() {
        let base = Self.manifestText
        #expect(problems(base.replacingOccurrences(of: "freshness: exports", with: "freshness: exprts")) == [
            "11:22: check #1 of pipeline 'lake' checks 'exprts', which is neither a table (write dataset.table) nor a source of pipeline 'lake'; did you mean 'exports'?",
        ])
        #expect(problems(base.replacingOccurrences(of: "freshness: exports, warn_after", with: "freshness: exports, loaded_at: x, warn_after")) == [
            "11:31: 'loaded_at' applies to a table's freshness; a source's freshness is read from the source itself",
        ])
        let sqlite = base.replacingOccurrences(of: "{ kind: csv, path: land/*.csv }", with: "{ kind: sqlite, path: shop.db, table: orders }")
        #expect(problems(sqlite).first?.contains("the freshness of a sqlite source cannot be read from the source") == true, "\(problems(sqlite))")
        let noCursor = base.replacingOccurrences(of: "{ kind: csv, path: land/*.csv }", with: "{ kind: postgres, url: \"postgres://h/db\", table: orders }")
        #expect(problems(noCursor).first?.contains("needs a 'cursor'") == true, "\(problems(noCursor))")
    }
}
