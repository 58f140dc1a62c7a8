import Foundation
import GRDBSQLite
import SluiceCore
import Testing
import Warehouse
import Worker

/// Source encodings: invalid UTF-8 is a bad record by default, and a source declaring `encoding:`
/// is transcoded to UTF-8 as it is read.
@Suite("Extract: encodings and invalid UTF-8")
struct ExtractEncodingTests: ExtractSuite {
    private let idAndName = [Column(name: "id", type: .integer), Column(name: "name", type: .string)]

    private func extract(
        _ space: Workspace, _ kind: SourceKind, encoding: SourceEncoding = .utf8, maxBadRecords: Int = 0
    ) throws -> ExtractedRows {
        try ExtractedRows(
            source: Source(name: "people", kind: kind, encoding: encoding), load: load(idAndName, maxBadRecords: maxBadRecords),
            baseDirectory: space.root, watermark: nil, days: nil)
    }

    @Test func invalidUTF8IsABadRecordUnlessTheSourceSaysLatin1() throws {
        let space = try Workspace()
        try space.write("people.csv", bytes: Array("id,name\n1,caf".utf8) + [0xE9] + Array("\n2,\"ok, \"\"quoted\"\"\"\n".utf8))
        let strict = try extract(space, .csv(path: "people.csv"), maxBadRecords: 1)
        #expect(try readAll(strict) == [[.integer(2), .string("ok, \"quoted\"")]])
        #expect(strict.badExamples == [
            "people.csv:2: column name is not valid UTF-8; set encoding: latin1 on the source if the file is Latin-1",
        ])

        let latin1 = try extract(space, .csv(path: "people.csv"), encoding: .latin1)
        #expect(try readAll(latin1) == [[.integer(1), .string("café")], [.integer(2), .string("ok, \"quoted\"")]])
        #expect(latin1.badRecords == 0)
    }

    @Test func anInvalidByteInANumberIsReportedAsInvalidUTF8() throws {
        let space = try Workspace()
        try space.write("people.csv", bytes: Array("id,name\n1".utf8) + [0xFF] + Array(",x\n".utf8))
        let rows = try extract(space, .csv(path: "people.csv"), maxBadRecords: 1)
        #expect(try readAll(rows).isEmpty)
        #expect(rows.badExamples.first?.hasPrefix("people.csv:2: column id is not valid UTF-8") == true)
    }

    @Test func windows1252MapsItsPrintableHighBytes() throws {
        let space = try Workspace()
        try space.write(
            "prices.csv",
            bytes: Array("id,name\n1,".utf8) + [0x80] + Array(" 5\n2,".utf8) + [0x91, 0x71, 0x92, 0x20, 0x96, 0x20, 0x81] + [0x0A])
        let cp1252 = try extract(space, .csv(path: "prices.csv"), encoding: .windows1252)
        #expect(try readAll(cp1252) == [[.integer(1), .string("€ 5")], [.integer(2), .string("‘q’ – \u{81}")]])
        let latin1 = try extract(space, .csv(path: "prices.csv"), encoding: .latin1)
        #expect(try readAll(latin1).first == [.integer(1), .string("\u{80} 5")])
    }

    @Test func transcodedRecordsStayIntactAcrossBufferRefills() throws {
        let space = try Workspace()
        var bytes = Array("id,name\n".utf8)
        let count = 120_000
        for id in 1...count { bytes += Array("\(id),\"caf".utf8) + [0xE9] + Array(" \(id)\"\n".utf8) }
        try space.write("people.csv", bytes: bytes)
        let rows = try extract(space, .csv(path: "people.csv"), encoding: .latin1)
        var seen = 0
        while let row = try rows.nextRow() {
            seen += 1
            guard row == [.integer(Int64(seen)), .string("café \(seen)")] else {
                Issue.record("row \(seen) came back as \(row)")
                break
            }
        }
        #expect(seen == count)
    }

    @Test func everyByteTranscodesAsFoundationDecodesIt() throws {
        let all = (0...255).map(UInt8.init)
        for (encoding, foundation) in [(SourceEncoding.latin1, String.Encoding.isoLatin1), (.windows1252, .windowsCP1252)] {
            let output = UnsafeMutablePointer<UInt8>.allocate(capacity: all.count * encoding.maximumUTF8Length)
            defer { output.deallocate() }
            let written = all.withUnsafeBufferPointer { encoding.transcode($0, into: output) }
            let ours = String(decoding: UnsafeBufferPointer(start: output, count: written), as: UTF8.self)
            let unassigned: Set<UInt8> = encoding == .windows1252 ? [0x81, 0x8D, 0x8F, 0x90, 0x9D] : []
            for (byte, scalar) in zip(all, ours.unicodeScalars) where !unassigned.contains(byte) {
                let expected = String(data: Data([byte]), encoding: foundation)?.unicodeScalars.first
                #expect(scalar == expected, "\(encoding) byte \(byte)")
            }
            #expect(ours.unicodeScalars.count == 256)
        }
    }

    @Test func ndjsonIsTranscodedOrItsInvalidLineIsBad() throws {
        let space = try Workspace()
        try space.write(
            "people.ndjson",
            bytes: Array(#"{"id": 1, "name": "ok"}"#.utf8) + [0x0A] + Array(#"{"id": 2, "name": "caf"#.utf8) + [0xE9]
                + Array("\"}\n".utf8))
        let strict = try extract(space, .ndjson(path: "people.ndjson"), maxBadRecords: 1)
        #expect(try readAll(strict) == [[.integer(1), .string("ok")]])
        #expect(strict.badExamples == [
            "people.ndjson:2: the line is not valid UTF-8; set encoding: latin1 on the source if the file is Latin-1",
        ])
        let latin1 = try extract(space, .ndjson(path: "people.ndjson"), encoding: .latin1)
        #expect(try readAll(latin1) == [[.integer(1), .string("ok")], [.integer(2), .string("café")]])
    }

    @Test func invalidUTF8TextInASQLiteSourceIsABadRecord() throws {
        let space = try Workspace()
        var db: OpaquePointer?
        defer { sqlite3_close(db) }
        try #require(sqlite3_open(space.path("people.db"), &db) == SQLITE_OK)
        let sql = """
            create table people (id integer, name text);
            insert into people values (1, cast(x'636166E9' as text));
            insert into people values (2, 'café');
            """
        try #require(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK)
        let rows = try extract(space, .sqlite(path: "people.db", query: "select * from people order by id"), maxBadRecords: 1)
        #expect(try readAll(rows) == [[.integer(2), .string("café")]])
        #expect(rows.badExamples == [
            "people.db: row 1: column name is not valid UTF-8; fix the text in the database (SQLite keeps whatever bytes it is given)",
        ])
    }
}
