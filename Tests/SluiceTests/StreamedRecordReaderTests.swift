import Foundation
import SluiceCore
import Synchronization
import Testing
@testable import Worker

/// The bridge between a streamed source's asynchronous producer and a load's blocking reader:
/// every record arrives in order, memory is bounded, a failure mid-stream fails the read after the
/// records before it, and a reader that stops early stops the producer.
@Suite("Extract: streamed sources")
struct StreamedRecordReaderTests: ExtractSuite {
    private struct SourceBroke: Error, CustomStringConvertible {
        var description: String { "connection reset by peer" }
    }

    /// A producer of `count` orders in batches of `batchSize`, failing after `failAfter` records
    /// when given; counts the batches it managed to send, and says once how it ended on `endings`
    /// (true: it sent every record; false: it threw).
    private final class Orders: Sendable {
        let sent = Counter()
        let count: Int, batchSize: Int, failAfter: Int?
        let endings: AsyncStream<Bool>
        private let ending: AsyncStream<Bool>.Continuation

        init(count: Int, batchSize: Int = 100, failAfter: Int? = nil) {
            self.count = count
            self.batchSize = batchSize
            self.failAfter = failAfter
            (endings, ending) = AsyncStream.makeStream(of: Bool.self)
        }

        func run(_ pipe: RecordPipe) async throws {
            defer { ending.finish() }
            do {
                try await produce(pipe)
                ending.yield(true)
            } catch {
                ending.yield(false)
                throw error
            }
        }

        func produce(_ pipe: RecordPipe) async throws {
            pipe.start(columns: ["order_id", "status", "order_date", "updated_at", "total"])
            var batch = RecordBatch(width: 5)
            for id in 1...max(count, 1) where count > 0 {
                if let failAfter, id > failAfter {
                    if batch.count > 0 { try await pipe.send(batch) }
                    throw SourceBroke()
                }
                if id == 7 {
                    batch.appendBad("record 7 is not an object")
                } else {
                    batch.append(field: Array(String(id).utf8))
                    batch.append(field: id % 3 == 0 ? nil : Array("placed".utf8))
                    batch.append(field: Array("2026-03-01".utf8))
                    batch.append(field: Array("2026-03-01 10:00:\(String(format: "%02d", id % 60))".utf8))
                    batch.append(field: Array("1.5".utf8))
                }
                if batch.count == batchSize {
                    try await pipe.send(batch)
                    sent.add()
                    batch = RecordBatch(width: 5)
                }
            }
            if batch.count > 0 {
                try await pipe.send(batch)
                sent.add()
            }
        }
    }

    private final class Counter: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    private func rows(_ orders: Orders, maxBadRecords: Int = 1) async throws -> ExtractedRows {
        let reader = try await StreamedRecordReader.open(display: "source 'orders'", capacity: 2) { pipe in
            try await orders.run(pipe)
        }
        return try ExtractedRows(
            source: Source(name: "orders", kind: .csv(path: "unused"), cursor: "updated_at"),
            load: load(orderColumns, maxBadRecords: maxBadRecords), reader: reader, display: "source 'orders'",
            watermark: nil, days: nil)
    }

    @Test func everyRecordArrivesInOrderTypedWithBadRecordsCounted() async throws {
        let rows = try await rows(Orders(count: 10_000))
        let all = try readAll(rows)
        #expect(all.count == 9_999)
        #expect(all.map { $0[0] } == (1...10_000).filter { $0 != 7 }.map { .integer(Int64($0)) })
        #expect(all[2][1] == .null)
        #expect(all[0] == [.integer(1), .string("placed"), .date("2026-03-01"), .timestamp("2026-03-01 10:00:01"), .float(1.5)])
        #expect(rows.badRecords == 1)
        #expect(rows.badExamples == ["source 'orders': row 7: record 7 is not an object"])
        #expect(rows.newWatermark == "2026-03-01 10:00:59")
    }

    @Test func aFailureMidStreamFailsTheReadAfterTheRecordsBeforeIt() async throws {
        let rows = try await rows(Orders(count: 10_000, failAfter: 2_500))
        var read = 0
        do {
            while try rows.nextRow() != nil { read += 1 }
            Issue.record("the read ended without the source's error")
        } catch let error as SourceBroke {
            #expect(error.description == "connection reset by peer")
        }
        #expect(read == 2_499)
    }

    @Test(.timeLimit(.minutes(1)))
    func theProducerWaitsForTheReaderAndStopsWhenItIsDropped() async throws {
        let orders = Orders(count: 100_000, batchSize: 10)
        var rows: ExtractedRows? = try await rows(orders)
        #expect(try rows?.nextRow() != nil)
        // Bounded: with 2 batches of room the producer cannot run ahead of the reader.
        #expect(orders.sent.count <= 4)
        rows = nil
        // Dropping the reader cancels the pipe: the producer's waiting send throws, and it stops
        // there, without sending the other 9,995 batches.
        var endings = orders.endings.makeAsyncIterator()
        #expect(await endings.next() == false)
        #expect(orders.sent.count <= 5)
    }

    @Test func aProducerFailingBeforeItsColumnsFailsTheOpen() async throws {
        do {
            _ = try await StreamedRecordReader.open(display: "source 'orders'") { _ in throw SourceBroke() }
            Issue.record("open succeeded")
        } catch let error as SourceBroke {
            #expect(error.description == "connection reset by peer")
        }
    }

    @Test func anEmptyStreamHasItsColumnsAndNoRows() async throws {
        let rows = try await rows(Orders(count: 0))
        #expect(try readAll(rows).isEmpty)
        #expect(rows.columns.map(\.name) == ["order_id", "status", "order_date", "updated_at", "total"])
    }
}
