import Foundation
import GRDB

/// How values are written to and read from state-store columns: timestamps as UTC seconds since
/// 1970 (REAL), enums by raw value, lists and messages as JSON text.
enum StateColumns {
    /// The stored form of a timestamp.
    static func seconds(_ date: Date) -> Double {
        date.timeIntervalSince1970
    }

    /// The stored form of an optional timestamp.
    static func seconds(_ date: Date?) -> Double? {
        date.map(seconds)
    }

    /// A timestamp column.
    static func date(_ row: Row, _ column: String) throws -> Date {
        Date(timeIntervalSince1970: try row.decode(Double.self, forColumn: column))
    }

    /// A nullable timestamp column.
    static func optionalDate(_ row: Row, _ column: String) throws -> Date? {
        try row.decode(Double?.self, forColumn: column).map { Date(timeIntervalSince1970: $0) }
    }

    /// An enum column stored by raw value; an unknown value means a newer Sluice wrote the file.
    static func enumValue<E: RawRepresentable>(
        _ type: E.Type, _ row: Row, _ column: String, table: String
    ) throws -> E where E.RawValue == String {
        guard let value = try optionalEnumValue(type, row, column, table: table) else {
            throw StateStoreError.unavailable("\(table).\(column) is NULL; the state file is damaged")
        }
        return value
    }

    /// A nullable enum column stored by raw value.
    static func optionalEnumValue<E: RawRepresentable>(
        _ type: E.Type, _ row: Row, _ column: String, table: String
    ) throws -> E? where E.RawValue == String {
        guard let raw = try row.decode(String?.self, forColumn: column) else { return nil }
        guard let value = E(rawValue: raw) else {
            throw StateStoreError.unavailable(
                "\(table).\(column) holds \"\(raw)\", which this version of Sluice does not know; "
                    + "the state file was probably written by a newer version, so upgrade Sluice")
        }
        return value
    }

    /// The stored JSON text of a value.
    static func json<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A JSON text column.
    static func decodeJSON<T: Decodable>(_ type: T.Type, _ row: Row, _ column: String) throws -> T {
        let text = try row.decode(String.self, forColumn: column)
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    /// A nullable JSON text column.
    static func decodeOptionalJSON<T: Decodable>(_ type: T.Type, _ row: Row, _ column: String) throws -> T? {
        guard let text = try row.decode(String?.self, forColumn: column) else { return nil }
        return try JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
