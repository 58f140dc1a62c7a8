import Foundation
import SluiceCore
import StateStore
import Warehouse

extension Conversation {
    /// How many recent runs of a pipeline are searched for Sluice's last write of each table.
    static let lastWriteRunLimit = 200
    /// How many tables are asked about at once.
    static let freshnessParallelism = 8

    /// `/sluice freshness [TABLE|PIPELINE]`: each table's newest data against its freshness check's
    /// thresholds, where the figure came from, and when Sluice last loaded or built the table.
    func freshness(_ target: FreshnessTarget?) async throws -> CommandReply {
        let subjects: [(pipeline: String, table: TableName)]
        let scope: String?
        switch target {
        case nil:
            var seen = Set<TableName>()
            subjects = manifest.pipelines.flatMap { pipeline in
                pipeline.tables.filter { seen.insert($0).inserted }.map { (pipeline.name, $0) }
            }
            scope = nil
        case let .pipeline(name):
            subjects = (manifest.pipeline(named: name)?.tables ?? []).map { (name, $0) }
            scope = "pipeline \(name)"
        case let .table(table):
            let owner = manifest.pipelines.first { $0.tables.contains(table) }?.name ?? ""
            subjects = [(owner, table)]
            scope = table.description
        }
        let lastWrites = try await lastWrites(of: subjects)
        let warehouse = runner.warehouse
        let manifest = self.manifest
        let facts = await withTaskGroup(of: (Int, FreshnessObservation).self) { group in
            var observations = [FreshnessObservation?](repeating: nil, count: subjects.count)
            var next = 0
            func addNext() {
                guard next < subjects.count else { return }
                let index = next
                let subject = subjects[index]
                let write = lastWrites[subject.table]
                group.addTask {
                    (index, await Self.observe(subject.table, pipeline: subject.pipeline, lastWrite: write, manifest: manifest, warehouse: warehouse))
                }
                next += 1
            }
            for _ in 0..<Self.freshnessParallelism { addNext() }
            while let (index, observation) = await group.next() {
                observations[index] = observation
                addNext()
            }
            return observations.compactMap { $0 }
        }
        let report = FreshnessReport(observations: facts, now: clock.now)
        return CommandReply(FreshnessMessages.freshness(report, scope: scope, commandName: commandName))
    }

    /// `/sluice volume TABLE [DAYS]`: rows per day over the last `days` days, judged by the anomaly
    /// detector with the table's volume check settings (or the defaults).
    func volume(_ table: TableName, days: Int) async throws -> CommandReply {
        let basis = VolumeReport.basis(for: table, in: manifest)
        let today = Days.string(clock.now, in: manifest.timeZone)
        let since = VolumeReport.historyStart(today: today, count: days, settings: basis.settings)
        let history: [DayCount]
        do {
            switch basis.basis {
            case let .column(column, _):
                history = try await runner.warehouse.rowsPerDay(of: table, column: column, since: since)
            case .recordedTotals:
                let recorded = try await state.read { try $0.dailyCounts(table: table.description, since: since) }
                let current = try await runner.warehouse.rowsPerDay(of: table, column: nil, since: nil)
                var totals = Dictionary(recorded.map { ($0.day, $0.rows) }, uniquingKeysWith: { _, newer in newer })
                if let now = current.last { totals[today] = now.rows }
                history = totals.map { DayCount(day: $0.key, rows: $0.value) }.sorted { $0.day < $1.day }
            }
        } catch let error as WarehouseError {
            return .note(":warning: \(error.message)")
        }
        let report = VolumeReport(table: table, basis: basis.basis, settings: basis.settings, history: history, today: today, count: days)
        return CommandReply(VolumeMessages.volume(report, checked: basis.hasCheck))
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

    /// What the warehouse says about one table, read as its freshness check says (the `loaded_at`
    /// column, else table metadata); a warehouse error becomes the observation's problem.
    private static func observe(
        _ table: TableName, pipeline: String, lastWrite: FreshnessObservation.LastWrite?, manifest: Manifest,
        warehouse: any Warehouse
    ) async -> FreshnessObservation {
        let rule = FreshnessReport.rule(for: table, pipeline: pipeline, in: manifest)
        let source = rule?.source ?? .metadata
        var observation = FreshnessObservation(
            table: table, pipeline: pipeline, exists: false, newest: nil, source: source,
            warnAfter: rule?.warnAfter, errorAfter: rule?.errorAfter, lastWrite: lastWrite)
        do {
            let facts = try await warehouse.freshness(of: table, loadedAt: rule?.loadedAt)
            observation.exists = facts.exists
            observation.newest = rule?.loadedAt == nil ? facts.lastModified : facts.newestLoadedAt
        } catch let error as WarehouseError {
            observation.problem = error.description
        } catch {
            observation.problem = "\(error)"
        }
        return observation
    }
}
