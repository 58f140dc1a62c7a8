import BigQueryAPI
import Foundation
import SluiceCore
import StateStore
import Warehouse

/// The extract+load of a `gcs` source, by the load rule. Its objects are remembered like files:
/// `gs://bucket/name` with its generation, so an incremental run reads the new objects and those
/// with a new generation, whole, and skips the others; a truncate load, a full refresh and a
/// backfill read every object. Objects are recorded as read only once the load committed.
/// - On a warehouse that reads Cloud Storage itself (BigQuery), the objects' URIs go to it
///   (`Warehouse.load(_:from:)`): no byte passes through Sluice.
/// - Otherwise (SQLite) each object is downloaded, as a stream, to a temporary file and read with
///   the csv/ndjson readers (encodings, bad records, backfill days as for local files); the files
///   are removed afterwards. A failed download fails the step before anything is loaded.
struct GCSLoadStep {
    let step: LoadStep
    let connection: GCSConnection

    init(step: LoadStep, connection: GCSConnection = GCSConnection.current) {
        self.step = step
        self.connection = connection
    }

    /// Runs the load; throws `ExtractError` (Cloud Storage's own message, naming the object) or
    /// `WarehouseError`.
    func run(_ load: Load, spec: GCSSourceSpec, source: Source, context: JobContext) async throws -> StepResult {
        let client = try connection.client(for: source.name)
        let table = load.table.description
        let backfillDays = step.backfillDays
        let days = load.partitionBy == nil ? nil : backfillDays
        let incremental = backfillDays == nil && !step.fullRefresh
        let keepsRecords = backfillDays == nil && load.write != .truncate
        let (watermark, recorded) = try await step.state.read { reader in
            (try reader.watermark(pipeline: step.pipeline.name, source: source.name),
             try reader.sourceFiles(pipeline: step.pipeline.name, source: source.name, table: table))
        }
        let all = try await cloudStorage(source) { try await GCSObjects.matching(spec, client: client, pageSize: connection.pageSize) }
        guard !all.isEmpty else {
            throw ExtractError(
                .missingFile,
                "source '\(source.name)': no objects match \(spec.uri); check the uri in the manifest or add the objects")
        }
        var toRead: [CloudStorageObject] = []
        var unchanged = 0
        var repeats = false
        for object in all {
            let status = incremental && keepsRecords ? GCSObjects.status(object, recorded: recorded) : .new
            switch status {
            case .unchanged: unchanged += 1
            case .changed:
                repeats = true
                toRead.append(object)
            case .new: toRead.append(object)
            }
        }
        let identity: RowIdentity? = switch load.write {
        case .append where repeats && !step.fullRefresh: load.appendKey.isEmpty ? .wholeRow : .key(load.appendKey)
        case .append where days != nil && !load.appendKey.isEmpty: .key(load.appendKey)
        default: nil
        }
        let records = keepsRecords ? toRead.map(GCSObjects.record) : []
        let head = { @Sendable (object: CloudStorageObject) async throws -> [String] in
            try await Self.sourceColumns(of: object, source: source, load: load, client: client)
        }
        let first = toRead.first ?? all[0]
        let objects = SourceURIs(
            uris: toRead.map(\.uri), format: spec.format, encoding: source.encoding, maxBadRecords: load.maxBadRecords,
            sourceColumns: { try await head(first) })
        let direct = LoadRequest(
            table: load.table, columns: load.columns, write: load.write, partitionBy: load.partitionBy, replacePartitions: days,
            context: context, cursor: source.cursor, rebuild: step.fullRefresh && load.write != .truncate, skipHeldRows: identity)
        if let result = try await step.warehouse.load(direct, from: objects) {
            let report = LoadReport(
                rowsRead: result.counts.inserted + result.counts.updated + result.counts.unchanged, counts: result.counts,
                rowsInTable: result.rowsInTable, filesRead: toRead.count, filesUnchanged: unchanged, badRecords: 0,
                filesWithBadRecords: [], supersededElsewhere: 0, rebuilt: step.fullRefresh)
            return StepResult(
                state: .succeeded, rows: result.rowsLoaded, stats: result.stats, detail: report.line, watermark: nil,
                readFiles: backfillDays == nil ? (source.name, table, records) : nil)
        }
        return try await downloaded(
            load, spec: spec, source: source, context: context, client: client,
            plan: (all: all, toRead: toRead, unchanged: unchanged, records: records), days: days, identity: identity, watermark: watermark)
    }

    /// The load on a warehouse that cannot read Cloud Storage: the objects downloaded and read as files.
    private func downloaded(
        _ load: Load, spec: GCSSourceSpec, source: Source, context: JobContext, client: CloudStorageClient,
        plan: (all: [CloudStorageObject], toRead: [CloudStorageObject], unchanged: Int, records: [SourceFileRecord]),
        days: [String]?, identity: RowIdentity?, watermark: String?
    ) async throws -> StepResult {
        let folder = try GCSDownloads(source: source.name)
        defer { folder.remove() }
        var files: [SourceFiles.File] = []
        for object in plan.toRead {
            let path = folder.path(for: files.count)
            try await cloudStorage(source) { try await client.download(object, to: path) }
            files.append(SourceFiles.File(path: path, display: object.uri))
        }
        let header: SourceFiles.File
        if let first = files.first {
            header = first
        } else {
            let path = folder.path(for: -1)
            try await cloudStorage(source) { try await client.download(plan.all[0], to: path, maxBytes: Self.headBytes(load)) }
            header = SourceFiles.File(path: path, display: plan.all[0].uri)
        }
        // Read through the file readers of the objects' format; messages still name gs:// URIs.
        let asFiles = Source(
            name: source.name, kind: spec.format == .csv ? .csv(path: spec.uri) : .ndjson(path: spec.uri), cursor: source.cursor,
            encoding: source.encoding)
        let rows: ExtractedRows
        let stream: any RowSource
        var newest: NewestVersionRows?
        if let days, !load.identityKey.isEmpty {
            let versions = try await NewestVersionRows(load: load, cursor: source.cursor, days: days) {
                try ExtractedRows(source: asFiles, load: load, files: files, header: header, watermark: nil, days: nil)
            }
            newest = versions
            rows = versions.reported
            stream = versions
        } else {
            rows = try ExtractedRows(source: asFiles, load: load, files: files, header: header, watermark: nil, days: days)
            stream = rows
        }
        let request = LoadRequest(
            table: load.table, columns: rows.columns, write: load.write, partitionBy: load.partitionBy, replacePartitions: days,
            context: context, cursor: source.cursor, rebuild: step.fullRefresh && load.write != .truncate,
            skipHeldRows: days == nil ? identity : nil)
        let result = try await step.warehouse.load(request, rows: stream)
        let unreadable = rows.badRecordsByFile.filter { $0.value > 0 }.keys.sorted()
        let backfill = step.backfillDays != nil
        let report = LoadReport(
            rowsRead: rows.rowsRead - rows.skippedByDay, counts: result.counts, rowsInTable: result.rowsInTable,
            filesRead: plan.toRead.count, filesUnchanged: plan.unchanged, badRecords: rows.badRecords,
            filesWithBadRecords: backfill ? [] : unreadable, supersededElsewhere: newest?.superseded ?? 0, rebuilt: step.fullRefresh)
        return StepResult(
            state: .succeeded, rows: result.rowsLoaded, stats: result.stats, detail: report.line,
            watermark: backfill ? nil : step.advancedWatermark(watermark, rows: rows, source: source),
            readFiles: backfill ? nil : (source.name, load.table.description, plan.records.filter { !unreadable.contains($0.path) }))
    }

    /// How much of an object's start is read for its columns: a CSV header or an NDJSON first
    /// record is at most one field of `max_field_size`, plus some slack.
    private static func headBytes(_ load: Load) -> Int64 {
        Int64(load.maxFieldSize) + 65_536
    }

    /// The columns of `object`, from its first bytes: the CSV header, or the first NDJSON record's fields.
    private static func sourceColumns(
        of object: CloudStorageObject, source: Source, load: Load, client: CloudStorageClient
    ) async throws -> [String] {
        let folder = try GCSDownloads(source: source.name)
        defer { folder.remove() }
        let path = folder.path(for: -1)
        try await cloudStorage(source) { try await client.download(object, to: path, maxBytes: headBytes(load)) }
        guard case let .gcs(spec) = source.kind else { return [] }
        let options = RecordReaderOptions(encoding: source.encoding, maxFieldSize: load.maxFieldSize)
        let reader: any RecordReader = spec.format == .csv
            ? try CSVRecordReader(path: path, displayPath: object.uri, options: options)
            : try NDJSONRecordReader(path: path, displayPath: object.uri, options: options)
        return reader.sourceColumns
    }

    /// Runs `body`; a Cloud Storage (or credentials) error becomes an `ExtractError` naming the source.
    private static func cloudStorage<T>(_ source: Source, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as CloudStorageError {
            throw ExtractError(.unreadable, "source '\(source.name)': \(error)")
        } catch let error as BigQueryError {
            throw ExtractError(.unreadable, "source '\(source.name)': cannot authenticate to Cloud Storage: \(error)")
        }
    }

    private func cloudStorage<T>(_ source: Source, _ body: () async throws -> T) async throws -> T {
        try await Self.cloudStorage(source, body)
    }
}
