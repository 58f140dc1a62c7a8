import Foundation

/// A JSON value, for recording and asserting on what the fake received.
enum JSON: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// Parses JSON text; nil when it is not JSON.
    static func parse(_ bytes: [UInt8]) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: Data(bytes))
    }

    /// A member of an object.
    subscript(key: String) -> JSON? {
        if case let .object(object) = self { return object[key] }
        return nil
    }

    /// An element of an array.
    subscript(index: Int) -> JSON? {
        if case let .array(array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    /// The string, if this is one.
    var string: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The Boolean, if this is one.
    var bool: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }

    /// The number as an integer, if this is a whole number.
    var int: Int? {
        if case let .number(value) = self, value.rounded() == value { return Int(exactly: value) }
        return nil
    }

    /// The elements, if this is an array.
    var array: [JSON]? {
        if case let .array(value) = self { return value }
        return nil
    }

    /// Decodes this value as `type` (for example `[Block]` from a message's blocks).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(encoded().utf8))
    }

    /// Compact JSON text with sorted keys.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    var description: String { encoded() }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(value): try c.encode(value)
        case let .number(value): try c.encode(value)
        case let .string(value): try c.encode(value)
        case let .array(value): try c.encode(value)
        case let .object(value): try c.encode(value)
        }
    }
}
