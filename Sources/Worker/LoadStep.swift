import Foundation
import SluiceCore
import StateStore
import Warehouse

/// One extract+load step, by the load rule: for every key, the table holds the version with the
/// greatest cursor among all source rows ever read, and no source row is skipped.
/// - An incremental run reads new and changed files whole and skips files read before unchanged;
///   a sqlite source is read from its watermark on, with `>=` (the key absorbs the overlap).
/// - A truncate load, a full refresh and a backfill read every file.
/// - A backfill of partitioned days writes, for each key whose newest version falls in them, that
///   version (`NewestVersionRows`); rows without a key identity: every row of those days.
/// - Files are recorded as read, and the watermark advanced (never moved back), only once the load
///   committed; a file with bad rows stays unread, so fixing it loads them.
struct LoadStep {
    let manifest: Manifest
    let pipeline: Pipeline
    let state: any StateStore
    let warehouse: any Warehouse
    let backfillDays: [String]?
    let fullRefresh: Bool

    /// Runs the load; throws `ExtractError` or `WarehouseError` in the user's terms.
    func run(_ load: Load, source: Source, context: JobContext) async throws -> StepResult {
        if case let .gcs(spec) = source.kind {
            return try await GCSLoadStep(step: self).run(load, spec: spec, source: source, context: context)
        }
        if let stream = StreamedSources.stream(for: source, manifest: manifest) {
            // The load pulls a streamed source with blocking waits for the network: they run on a
            // thread of the load's own, so loads waiting for a slow API hold neither the cooperative
            // pool that answers Slack nor the threads the sources' producers run on.
            let thread = LoadThreadExecutor(name: "sluice load \(load.table)")
            defer { thread.shutdown() }
            return try await withTaskExecutorPreference(thread) {
                try await run(load, stream: stream, source: source, context: context)
            }
        }
        let table = load.table.description
        let days = load.partitionBy == nil ? nil : backfillDays
        let incremental = backfillDays == nil && !fullRefresh
        let (watermark, recorded) = try await state.read { reader in
            (try reader.watermark(pipeline: pipeline.name, source: source.name),
             try reader.sourceFiles(pipeline: pipeline.name, source: source.name, table: table))
        }
        let keepsRecords = backfillDays == nil && load.write != .truncate
        let mode: SourceReadPlan.Mode = incremental && keepsRecords ? .incremental(recorded: recorded) : .everything(recording: keepsRecords)
        let isDatabase = if case .sqlite = source.kind { true } else { false }
        let cursorFrom = incremental && isDatabase ? watermark : nil
        let plan = try SourceReadPlan.make(
            source: source, baseDirectory: manifest.baseDirectory, mode: mode, watermark: cursorFrom)

        let rows: ExtractedRows
        let stream: any RowSource
        var newest: NewestVersionRows?
        if let days, !load.identityKey.isEmpty {
            let versions = try await NewestVersionRows(load: load, cursor: source.cursor, days: days) {
                try ExtractedRows(source: source, load: load, files: plan.all, header: plan.all[0], watermark: nil, days: nil)
            }
            newest = versions
            rows = versions.reported
            stream = versions
        } else {
            rows = try ExtractedRows(
                source: source, load: load, files: plan.toRead, header: plan.all[0], watermark: cursorFrom, days: days)
            stream = rows
        }
        let identity: RowIdentity? = switch load.write {
        case .append where plan.mayRepeatRows && !fullRefresh: load.appendKey.isEmpty ? .wholeRow : .key(load.appendKey)
        default: nil
        }
        let result = try await warehouse.load(request(load, source: source, rows: rows, days: days, skipHeldRows: identity, context: context), rows: stream)

        let unreadable = rows.badRecordsByFile.filter { $0.value > 0 }.keys.sorted()
        let report = LoadReport(
            rowsRead: rows.rowsRead - rows.skippedByDay, counts: result.counts, rowsInTable: result.rowsInTable,
            filesRead: isDatabase ? 0 : plan.toRead.count, filesUnchanged: plan.unchanged, badRecords: rows.badRecords,
            filesWithBadRecords: backfillDays == nil && !isDatabase ? unreadable : [], supersededElsewhere: newest?.superseded ?? 0,
            rebuilt: fullRefresh)
        return StepResult(
            state: .succeeded, rows: result.rowsLoaded, stats: result.stats, detail: report.line,
            watermark: backfillDays == nil ? advancedWatermark(watermark, rows: rows, source: source) : nil,
            readFiles: backfillDays == nil
                ? (source.name, table, plan.identities.values.filter { !unreadable.contains($0.path) }.sorted { $0.path < $1.path })
                : nil)
    }

    /// A load from a streamed source (a database query, an API): an incremental run reads from the
    /// watermark on (`>=`); a full refresh and a backfill read everything. Nothing to record but
    /// the watermark, once the load committed.
    private func run(_ load: Load, stream: any StreamedSource, source: Source, context: JobContext) async throws -> StepResult {
        let days = load.partitionBy == nil ? nil : backfillDays
        let incremental = backfillDays == nil && !fullRefresh
        let watermark = try await state.read { try $0.watermark(pipeline: pipeline.name, source: source.name) }
        let from = incremental ? watermark : nil
        let rows: ExtractedRows
        let input: any RowSource
        var newest: NewestVersionRows?
        if let days, !load.identityKey.isEmpty {
            let versions = try await NewestVersionRows(load: load, cursor: source.cursor, days: days) {
                try ExtractedRows(
                    source: source, load: load, reader: try await stream.open(watermark: nil), display: stream.display,
                    watermark: nil, days: nil)
            }
            newest = versions
            rows = versions.reported
            input = versions
        } else {
            rows = try ExtractedRows(
                source: source, load: load, reader: try await stream.open(watermark: from), display: stream.display,
                watermark: from, days: days)
            input = rows
        }
        let identity: RowIdentity? = switch load.write {
        case .append where from != nil && !fullRefresh: load.appendKey.isEmpty ? .wholeRow : .key(load.appendKey)
        default: nil
        }
        let result = try await warehouse.load(request(load, source: source, rows: rows, days: days, skipHeldRows: identity, context: context), rows: input)
        let report = LoadReport(
            rowsRead: rows.rowsRead - rows.skippedByDay, counts: result.counts, rowsInTable: result.rowsInTable,
            filesRead: 0, filesUnchanged: 0, badRecords: rows.badRecords, filesWithBadRecords: [],
            supersededElsewhere: newest?.superseded ?? 0, rebuilt: fullRefresh)
        return StepResult(
            state: .succeeded, rows: result.rowsLoaded, stats: result.stats, detail: report.line,
            watermark: backfillDays == nil ? advancedWatermark(watermark, rows: rows, source: source) : nil,
            readFiles: nil)
    }

    /// The warehouse request of a load.
    private func request(
        _ load: Load, source: Source, rows: ExtractedRows, days: [String]?, skipHeldRows: RowIdentity?, context: JobContext
    ) -> LoadRequest {
        LoadRequest(
            table: load.table, columns: rows.columns, write: load.write, partitionBy: load.partitionBy,
            replacePartitions: days, context: context, cursor: source.cursor, rebuild: fullRefresh && load.write != .truncate,
            skipHeldRows: skipHeldRows)
    }

    /// The watermark to store after the load: the read rows' newest cursor, when it moves forward.
    func advancedWatermark(_ stored: String?, rows: ExtractedRows, source: Source) -> (String, String)? {
        let type = rows.columns.first { $0.name == source.cursor }?.type ?? .string
        return advancedWatermark(stored, rows.newWatermark, as: type).map { (source.name, $0) }
    }

    /// The stored watermark moved forward to `read`, never back (a late file of old rows leaves it);
    /// nil when nothing changes. After a full refresh the old watermark is forgotten.
    private func advancedWatermark(_ stored: String?, _ read: String?, as type: ColumnType) -> String? {
        guard let read else { return nil }
        guard let stored, !fullRefresh else { return read }
        return Value.compareCursor(Value.watermark(read, as: type), stored) == .orderedAscending ? nil : read
    }
}
