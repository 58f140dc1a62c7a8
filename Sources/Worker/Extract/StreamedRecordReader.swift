import Foundation

/// A record reader over a streamed source: its producer (an asynchronous function filling a
/// `RecordPipe`: a database query, an API's pages) runs on `SourceTaskExecutor` while the load pulls
/// records, batch by batch, through the pipe. The producer's failure fails the read at the point it
/// happened; a reader dropped before the end cancels the producer.
final class StreamedRecordReader: RecordReader {
    /// The producer's column names.
    let sourceColumns: [String]
    private let pipe: RecordPipe
    private let task: Task<Void, Never>
    private let display: String
    private let columnsVary: Bool
    private var names: [String] = []
    private var batch: RecordBatch?
    private var record = -1
    private var number = 0
    /// Per bound name: its field in the current batch, or -1 when the batch has no such field.
    private var positions: [Int] = []
    private var storage: UnsafeMutableRawBufferPointer
    private var finished = false

    /// `source: row N`, or `source, page P, record R` when the producer names its batches.
    var location: String {
        guard let batch, !batch.origin.isEmpty else { return "\(display): row \(number)" }
        return "\(display), \(batch.origin), record \(record + 1)"
    }

    /// Starts `producer` and waits (without blocking a thread) until it announces its columns.
    /// `display` names the source in messages (`source 'orders'`). With `columnsVary` (an API whose
    /// pages each have their own keys) every batch names its fields (`RecordBatch.columns`), and a
    /// bound name a batch lacks is null in its records rather than missing from the source. Throws
    /// what the producer throws before announcing its columns (a refused connection, a failing first page).
    static func open(
        display: String, capacity: Int = 4, columnsVary: Bool = false,
        producer: @escaping @Sendable (RecordPipe) async throws -> Void
    ) async throws -> StreamedRecordReader {
        let pipe = RecordPipe(capacity: capacity)
        let task = Task(executorPreference: SourceTaskExecutor.shared) {
            do {
                try await producer(pipe)
                pipe.finish()
            } catch {
                pipe.finish(throwing: error)
            }
        }
        do {
            let columns = try await withTaskCancellationHandler {
                try await pipe.sourceColumns()
            } onCancel: {
                pipe.cancel()
            }
            return StreamedRecordReader(columns: columns, pipe: pipe, task: task, display: display, columnsVary: columnsVary)
        } catch {
            task.cancel()
            pipe.cancel()
            throw error
        }
    }

    private init(columns: [String], pipe: RecordPipe, task: Task<Void, Never>, display: String, columnsVary: Bool) {
        sourceColumns = columns
        self.pipe = pipe
        self.task = task
        self.display = display
        self.columnsVary = columnsVary
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 1)
    }

    deinit {
        task.cancel()
        pipe.cancel()
        storage.deallocate()
    }

    /// Binds names to the producer's columns; returns the names it does not have (none when the
    /// columns vary by batch: a name not seen yet is null until a batch has it).
    func bind(_ names: [String]) -> [String] {
        self.names = names
        let missing = columnsVary ? [] : names.filter { !sourceColumns.contains($0) }
        positions = Self.positions(of: names, in: batch?.columns ?? sourceColumns)
        return missing
    }

    /// Where each of `names` is among `columns` (-1: absent).
    private static func positions(of names: [String], in columns: [String]) -> [Int] {
        var index: [String: Int] = [:]
        for (position, column) in columns.enumerated() where index[column] == nil { index[column] = position }
        return names.map { index[$0] ?? -1 }
    }

    /// The next record, waiting for the producer when the current batch is used up; throws the
    /// producer's error once the records before it were read.
    func advance() throws -> RecordStatus {
        while true {
            if let batch, record + 1 < batch.count {
                record += 1
                number += 1
                if let problem = batch.problem(of: record) { return .bad(problem) }
                return .record
            }
            guard !finished else { return .end }
            guard let next = try pipe.next() else {
                finished = true
                batch = nil
                return .end
            }
            load(next)
        }
    }

    /// The batch's bytes are replaced only by `advance`.
    var fieldsLastUntilAdvance: Bool { true }

    /// The raw value of bound column `index` of the current record, or nil for null.
    func field(_ index: Int) -> UnsafeBufferPointer<UInt8>? {
        let position = positions[index]
        guard position >= 0, let batch, let range = batch.range(record: record, field: position) else { return nil }
        let base = storage.baseAddress.map { $0.assumingMemoryBound(to: UInt8.self) }
        return UnsafeBufferPointer(start: base.map { $0 + range.lowerBound }, count: range.count)
    }

    /// Makes `next` the current batch, its bytes copied where `field` can point into them.
    private func load(_ next: RecordBatch) {
        if next.size > storage.count {
            storage.deallocate()
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(next.size, storage.count * 2), alignment: 1)
        }
        next.bytes.withUnsafeBytes { bytes in
            if let source = bytes.baseAddress, let target = storage.baseAddress {
                target.copyMemory(from: source, byteCount: bytes.count)
            }
        }
        if next.columns != nil || batch?.columns != nil {
            positions = Self.positions(of: names, in: next.columns ?? sourceColumns)
        }
        batch = next
        record = -1
    }
}
