import Foundation

/// A JSON value, for recording and asserting on what the fake Slack received. Parsing is
/// Foundation's (`JSONSerialization`): it accepts and rejects exactly what Foundation's JSON
/// reader does, and this type only names the values it read.
enum JSON: Sendable, Equatable, Encodable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// Parses JSON text; nil when it is not JSON.
    static func parse(_ bytes: [UInt8]) -> JSON? {
        guard let value = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]) else {
            return nil
        }
        return JSON(serialized: value)
    }

    /// The value `JSONSerialization` read: `NSNull`, an `NSNumber`, a string, an array or a
    /// dictionary; nil for anything else. Booleans come as `NSNumber`s too, and on Linux `1 as? Bool`
    /// succeeds, so `true` and `false` are told from 1 and 0 by their class, the class of
    /// `NSNumber(value: true)` (`__NSCFBoolean` on Linux and on Apple platforms alike).
    private init?(serialized value: Any) {
        switch value {
        case is NSNull:
            self = .null
        case let number as NSNumber:
            self = type(of: number) == type(of: NSNumber(value: true)) ? .bool(number.boolValue) : .number(number.doubleValue)
        case let string as String:
            self = .string(string)
        case let array as [Any]:
            let elements = array.compactMap(JSON.init(serialized:))
            guard elements.count == array.count else { return nil }
            self = .array(elements)
        case let object as [String: Any]:
            let members = object.compactMapValues(JSON.init(serialized:))
            guard members.count == object.count else { return nil }
            self = .object(members)
        default:
            return nil
        }
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

    /// Compact JSON text with sorted keys. Written by `JSONEncoder`, whose keys sort by code point
    /// (`JSONSerialization`'s `.sortedKeys` orders `A1` after `a`), so texts tests search stay as they were.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    var description: String { encoded() }

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
