import Foundation
import SluiceCore
import StateStore
import Warehouse
import Worker

extension Conversation {
    /// How many recent runs of a pipeline are searched for Sluice's last write of each table.
    static let lastWriteRunLimit = 200

    /// `/sluice freshness [TABLE|PIPELINE]`: each table's newest data against its freshness checks,
    /// where the figure came from, and when Sluice last loaded or built the table.
    func freshness(_ target: FreshnessTarget?) async throws -> CommandReply {
        let subjects: [(pipeline: String, table: TableName)]
        let scope: String?
        switch target {
        case nil:
            subjects = FreshnessReport.subjects(in: manifest)
            scope = nil
        case let .pipeline(name):
            subjects = (manifest.pipeline(named: name)?.tables ?? []).map { (name, $0) }
            scope = "pipeline \(name)"
        case let .table(table):
            subjects = [(manifest.owner(of: table) ?? "", table)]
            scope = table.description
        }
        let lastWrites = try await lastWrites(of: subjects)
        let readings = await FreshnessReader.read(
            FreshnessReport.requests(for: subjects.map(\.table), in: manifest), from: runner.warehouse)
        let report = FreshnessReport(subjects: subjects, manifest: manifest, readings: readings, lastWrites: lastWrites, now: clock.now)
        let sourceRules: [SourceFreshnessRule] = switch target {
        case nil: SourceFreshnessRule.all(in: manifest)
        case let .pipeline(name): SourceFreshnessRule.all(in: manifest).filter { $0.pipeline == name }
        case .table: []
        }
        let sources = await SourceFreshnessProbe(manifest: manifest, logger: logger).read(sourceRules)
        return CommandReply(FreshnessMessages.freshness(report, sources: sources, scope: scope, commandName: commandName))
    }

    /// `/sluice volume TABLE [DAYS]`: rows per day over the last `days` days, judged by the table's
    /// `VolumeJudgement` (its volume check's settings, or the defaults).
    func volume(_ table: TableName, days: Int) async throws -> CommandReply {
        let judgement = VolumeJudgement.of(table, in: manifest)
        let today = Days.string(clock.now, in: manifest.timeZone)
        let since = judgement.historyStart(today: today, shownDays: days)
        let history: [DayCount]
        do {
            switch judgement.basis {
            case let .column(column, _):
                history = try await runner.warehouse.rowsPerDay(of: table, column: column, since: since, context: nil).days
            case .recordedTotals:
                let recorded = try await state.read { try $0.dailyCounts(table: table.description, since: since) }
                let current = try await runner.warehouse.rowsPerDay(of: table, column: nil, since: nil, context: nil).days
                var totals = Dictionary(recorded.map { ($0.day, $0.rows) }, uniquingKeysWith: { _, newer in newer })
                if let now = current.last { totals[today] = now.rows }
                history = totals.map { DayCount(day: $0.key, rows: $0.value) }.sorted { $0.day < $1.day }
            }
        } catch let error as WarehouseError {
            return .note(":warning: \(error.message)")
        }
        let report = VolumeReport(table: table, judgement: judgement, history: history, today: today, count: days)
        return CommandReply(VolumeMessages.volume(report, checked: judgement.hasCheck))
    }

    /// Sluice's most recent successful load or build of each subject table, from the recent runs of
    /// their pipelines (newest first, stopping once every table is found).
    private func lastWrites(of subjects: [(pipeline: String, table: TableName)]) async throws -> [TableName: FreshnessObservation.LastWrite] {
        var byPipeline: [String: Set<TableName>] = [:]
        for subject in subjects { byPipeline[subject.pipeline, default: []].insert(subject.table) }
        let wanted = byPipeline
        return try await state.read { reader in
            var found: [TableName: FreshnessObservation.LastWrite] = [:]
            for (pipeline, tables) in wanted.sorted(by: { $0.key < $1.key }) {
                var missing = tables
                for run in try reader.runs(pipeline: pipeline, limit: Self.lastWriteRunLimit) where !missing.isEmpty {
                    for (table, write) in FreshnessReport.lastWrites(in: [(run, try reader.steps(runID: run.id))])
                    where tables.contains(table) && (found[table]?.at ?? .distantPast) < write.at {
                        found[table] = write
                        missing.remove(table)
                    }
                }
            }
            return found
        }
    }
}
