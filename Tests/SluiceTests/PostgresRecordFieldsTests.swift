import Testing
@testable import Worker

/// A postgres row arrives as one binary record (field count, then per field its type, length and
/// bytes); these tests build records by hand, as PostgreSQL's `record_send` writes them, and check
/// what reaches the batch, and that a record of the wrong shape never yields a half-read row.
@Suite struct PostgresRecordFieldsTests {
    /// The binary record of `fields` (nil: SQL null), each given with its type OID.
    private func record(_ fields: [(oid: UInt32, bytes: [UInt8]?)], count: Int32? = nil) -> [UInt8] {
        var out = bigEndian(count ?? Int32(fields.count))
        for field in fields {
            out += bigEndian(Int32(bitPattern: field.oid))
            if let bytes = field.bytes {
                out += bigEndian(Int32(bytes.count)) + bytes
            } else {
                out += bigEndian(Int32(-1))
            }
        }
        return out
    }

    private func bigEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.bigEndian) { Array($0) }
    }

    private func fields(of batch: RecordBatch, record: Int = 0) -> [String?] {
        (0..<batch.width).map { field in
            batch.range(record: record, field: field).map { String(decoding: batch.bytes[$0], as: UTF8.self) }
        }
    }

    @Test func fieldsOfEveryKindAndNullsLandInOrder() {
        // int8 42, text "paid", null, numeric 12.50 (1 digit group 12, weight 0, scale 2, then 5000),
        // timestamptz 2000-01-01 00:00:01.5 UTC, bool true.
        let numeric = bigEndian(Int16(2)) + bigEndian(Int16(0)) + bigEndian(UInt16(0)) + bigEndian(UInt16(2))
            + bigEndian(Int16(12)) + bigEndian(Int16(5000))
        let bytes = record([
            (20, bigEndian(Int64(42))), (25, Array("paid".utf8)), (25, nil), (1700, numeric),
            (1184, bigEndian(Int64(1_500_000))), (16, [1]),
        ])
        var batch = RecordBatch(width: 6)
        let failure = bytes.withUnsafeBytes {
            PostgresRecordFields.append($0, kinds: [.int8, .text, .text, .numeric, .timestamptz, .bool], to: &batch)
        }
        #expect(failure == nil)
        #expect(batch.count == 1)
        #expect(fields(of: batch) == ["42", "paid", nil, "12.50", "2000-01-01T00:00:01.500000Z", "true"])
    }

    @Test func aRecordOfTheWrongShapeIsRefusedWithoutAddingARow() {
        let kinds: [PostgresFieldText.Kind] = [.int4, .text]
        let good = record([(23, bigEndian(Int32(7))), (25, Array("x".utf8))])
        let cases: [(bytes: [UInt8], failure: PostgresRecordFields.Failure)] = [
            (record([(23, bigEndian(Int32(7)))]), .shape),  // one field where two were described
            (Array(good.dropLast()), .shape),  // cut short
            (good + [0], .shape),  // trailing bytes
            (record([(23, [0, 7]), (25, Array("x".utf8))]), .value(field: 0)),  // an int4 of two bytes
            (record([(23, bigEndian(Int32(7))), (25, nil)], count: 3), .shape),  // a count that lies
            ([0, 0], .shape),
        ]
        for (bytes, expected) in cases {
            var batch = RecordBatch(width: 2)
            let failure = bytes.withUnsafeBytes { PostgresRecordFields.append($0, kinds: kinds, to: &batch) }
            #expect(failure == expected, "\(bytes)")
            #expect(batch.count == 0)
        }
    }
}
