/// A postgres source's row as it travels: one binary record (`row(…)`, see `PostgresReadQuery.read`)
/// in PostgreSQL's `record_send` form: the field count (int32), then per field its type OID (int32),
/// its length (int32, -1 for null) and its bytes. Split here straight into a batch's fields, with no
/// cell or buffer per value (a row of ten columns costs one cell, not ten).
enum PostgresRecordFields {
    /// Why a record could not be read.
    enum Failure: Error, Equatable {
        /// The bytes are not a record of the expected field count.
        case shape
        /// Field `field` (from 0) does not have its type's binary shape.
        case value(field: Int)
    }

    /// Appends the fields of `record`, read by `kinds` (one per field, in order), to `batch` as one
    /// record; returns nil, or why it could not (then nothing of it stays in the batch).
    @inline(__always)
    static func append(
        _ record: UnsafeRawBufferPointer, kinds: [PostgresFieldText.Kind], to batch: inout RecordBatch
    ) -> Failure? {
        let records = batch.count
        do throws(Failure) {
            try appendFields(record, kinds: kinds, to: &batch)
            return nil
        } catch {
            batch.removeRecords(from: records)
            return error
        }
    }

    @inline(__always)
    private static func appendFields(
        _ record: UnsafeRawBufferPointer, kinds: [PostgresFieldText.Kind], to batch: inout RecordBatch
    ) throws(Failure) {
        guard record.count >= 4, Int(PostgresFieldText.integer(record, 0, as: Int32.self)) == kinds.count else {
            throw .shape
        }
        var offset = 4
        for (field, kind) in kinds.enumerated() {
            guard record.count - offset >= 8 else { throw .shape }
            let length = Int(PostgresFieldText.integer(record, offset + 4, as: Int32.self))
            offset += 8
            if length < 0 {
                batch.appendNull()
                continue
            }
            guard record.count - offset >= length else { throw .shape }
            let value = UnsafeRawBufferPointer(rebasing: record[offset..<(offset + length)])
            guard batch.appendField(writing: { PostgresFieldText.write(value, as: kind, into: &$0) }) else {
                throw .value(field: field)
            }
            offset += length
        }
        guard offset == record.count else { throw .shape }
    }
}
