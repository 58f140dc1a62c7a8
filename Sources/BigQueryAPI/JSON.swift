import Foundation

/// A JSON value as BigQuery and Google's OAuth endpoints send and accept it.
enum JSON: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case let .bool(value): try container.encode(value)
        case let .number(value):
            if value.rounded() == value, abs(value) < 1e15 {
                try container.encode(Int64(value))
            } else {
                try container.encode(value)
            }
        case let .string(value): try container.encode(value)
        case let .array(value): try container.encode(value)
        case let .object(value): try container.encode(value)
        }
    }

    /// Parses JSON bytes; nil when they are not JSON.
    static func parse(_ bytes: some Collection<UInt8>) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: Data(bytes))
    }

    /// Compact JSON text with sorted keys.
    var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(self))) ?? Array("null".utf8)
    }

    /// The member `key` of an object; `.null` otherwise.
    subscript(key: String) -> JSON {
        if case let .object(members) = self { return members[key] ?? .null }
        return .null
    }

    /// A string value.
    var string: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// An integer sent as a JSON number or, as BigQuery does for 64-bit values, as a string.
    var int64: Int64? {
        switch self {
        case let .number(value): Int64(exactly: value.rounded())
        case let .string(value): Int64(value)
        default: nil
        }
    }

    /// A boolean sent as JSON `true`/`false` or as the string `"true"`/`"false"`.
    var bool: Bool? {
        switch self {
        case let .bool(value): value
        case let .string(value): Bool(value)
        default: nil
        }
    }

    /// Array elements; empty otherwise.
    var array: [JSON] {
        if case let .array(values) = self { return values }
        return []
    }

    /// True for `.null` (absent members included).
    var isNull: Bool { self == .null }
}
