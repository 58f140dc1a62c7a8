import SluiceCore

/// Lends the rows of any `RowSource` as fields: each row's text is copied into one buffer the
/// fields point into, valid until the next row. Sources that lend their own fields are read as
/// they are (`lending(_:)`).
final class LentRows: FieldRowSource {
    private let rows: any RowSource
    private var storage: UnsafeMutableBufferPointer<FieldValue>
    private var text: UnsafeMutableBufferPointer<UInt8>
    private var count = 0

    /// `rows` itself when it lends its fields, else a `LentRows` over it.
    static func lending(_ rows: any RowSource) -> any FieldRowSource {
        (rows as? any FieldRowSource) ?? LentRows(rows)
    }

    private init(_ rows: any RowSource) {
        self.rows = rows
        storage = .allocate(capacity: 16)
        text = .allocate(capacity: 256)
    }

    deinit {
        storage.deallocate()
        text.deallocate()
    }

    func nextRow() throws -> [Value]? { try rows.nextRow() }

    func advanceRow() throws -> Bool {
        guard let row = try rows.nextRow() else { return false }
        if row.count > storage.count {
            storage.deallocate()
            storage = .allocate(capacity: row.count)
        }
        var bytes = 0
        for value in row { bytes += Self.textCount(value) }
        if bytes > text.count {
            text.deallocate()
            text = .allocate(capacity: max(bytes, text.count * 2))
        }
        var offset = 0
        for (index, value) in row.enumerated() {
            storage[index] = lend(value, at: &offset)
        }
        count = row.count
        return true
    }

    var fields: UnsafeBufferPointer<FieldValue> { UnsafeBufferPointer(rebasing: storage[0..<count]) }

    /// The value as a field, its text copied into `text` at `offset` (moved past it).
    private func lend(_ value: Value, at offset: inout Int) -> FieldValue {
        func copy(_ string: String) -> UnsafeBufferPointer<UInt8> {
            let start = offset
            for byte in string.utf8 {
                text[offset] = byte
                offset += 1
            }
            return UnsafeBufferPointer(rebasing: text[start..<offset])
        }
        return switch value {
        case .null: .null
        case let .integer(v): .integer(v)
        case let .float(v): .float(v)
        case let .boolean(v): .boolean(v)
        case let .string(v): .string(copy(v))
        case let .date(v): .date(copy(v))
        case let .timestamp(v): .timestamp(copy(v))
        }
    }

    private static func textCount(_ value: Value) -> Int {
        switch value {
        case let .string(v), let .date(v), let .timestamp(v): v.utf8.count
        case .null, .integer, .float, .boolean: 0
        }
    }
}
