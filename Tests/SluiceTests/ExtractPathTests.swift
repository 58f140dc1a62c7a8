import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// Globs and date templates, missing files, and headers that do not fit the declared columns.
@Suite("Extract: paths and headers")
struct ExtractPathTests: ExtractSuite {
    @Test func globReadsEveryMatchInSortedOrderEachWithItsHeader() throws {
        let space = try Workspace()
        try space.write("in/b.csv", "id,name\n3,c\n")
        try space.write("in/a.csv", "name,id\nx,1\ny,2\n")
        try space.write("in/notes.txt", "id\n99\n")
        let rows = try ExtractedRows(
            source: csv("in/*.csv"), load: load([Column(name: "id", type: .integer)]), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(rows) == [[.integer(1)], [.integer(2)], [.integer(3)]])

        let error = extractError {
            _ = try ExtractedRows(
                source: csv("in/*.tsv"), load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .missingFile)
        #expect(error?.message.contains("in/*.tsv") == true)
        #expect(error?.message.contains("'orders'") == true)
    }

    @Test func dateTemplateReadsEveryDatedFileAlsoForABackfill() throws {
        let space = try Workspace()
        try space.write("daily/orders_2026-03-01.csv", "id\n1\n")
        try space.write("daily/orders_2026-03-02.csv", "id\n2\n")
        try space.write("daily/orders_latest.csv", "id\n99\n")
        let columns = [Column(name: "id", type: .integer)]
        let all = try ExtractedRows(
            source: csv("daily/orders_{date}.csv"), load: load(columns), baseDirectory: space.root,
            watermark: nil, days: nil)
        #expect(try readAll(all) == [[.integer(1)], [.integer(2)]])

        // A backfill reads every file: a day's rows (by the partition column) may sit in any file, and a
        // day without a file of its own is simply a day with fewer rows.
        let backfill = try ExtractedRows(
            source: csv("daily/orders_{date}.csv"), load: load(columns), baseDirectory: space.root,
            watermark: nil, days: ["2026-03-02", "2026-03-05"])
        #expect(try readAll(backfill) == [[.integer(1)], [.integer(2)]])
    }

    @Test func aMissingFileNamesThePathAndTheSource() throws {
        let space = try Workspace()
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("manifest/demo/orders.csv"), load: load([]), baseDirectory: space.root,
                watermark: nil, days: nil)
        }
        #expect(error?.code == .missingFile)
        #expect(error?.message.contains("manifest/demo/orders.csv") == true)
        #expect(error?.message.contains("source 'orders'") == true)
    }

    @Test func aDirectoryAsThePathSaysItIsOneAndWhatToNameInstead() throws {
        let space = try Workspace()
        try space.write("manifest/demo/orders.csv", "id\n1\n")
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("manifest/demo"), load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .missingFile)
        #expect(error?.message == "source 'orders': manifest/demo is a directory; "
            + "name a file, a glob (manifest/demo/*.csv) or a {date} template")

        let json = extractError {
            _ = try ExtractedRows(
                source: Source(name: "events", kind: .ndjson(path: "manifest/demo/")), load: load([]),
                baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .missingFile)
        #expect(json?.message == "source 'events': manifest/demo/ is a directory; "
            + "name a file, a glob (manifest/demo/*.ndjson) or a {date} template")
    }

    @Test func aDeclaredColumnMissingFromTheHeaderIsABadHeader() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id,status\n1,ok\n")
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("orders.csv"), load: load(orderColumns), baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .badHeader)
        #expect(error?.message.contains("'order_date'") == true)
        #expect(error?.message.contains("order_id, status") == true)
        #expect(error?.message.contains("raw.orders") == true)
    }

    @Test func aCursorOutsideTheColumnsIsABadHeader() throws {
        let space = try Workspace()
        try space.write("orders.csv", "order_id\n1\n")
        let error = extractError {
            _ = try ExtractedRows(
                source: csv("orders.csv", cursor: "updated_at"), load: load([Column(name: "order_id", type: .integer)]),
                baseDirectory: space.root, watermark: nil, days: nil)
        }
        #expect(error?.code == .badHeader)
        #expect(error?.message.contains("updated_at") == true)
    }

    @Test func anEmptyFileOrDuplicateHeaderIsABadHeader() throws {
        let space = try Workspace()
        try space.write("empty.csv", "")
        try space.write("twice.csv", "id,id\n1,2\n")
        for name in ["empty.csv", "twice.csv"] {
            let error = extractError {
                _ = try ExtractedRows(source: csv(name), load: load([]), baseDirectory: space.root, watermark: nil, days: nil)
            }
            #expect(error?.code == .badHeader, "\(name)")
        }
    }
}
