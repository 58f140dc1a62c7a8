/// `application/x-www-form-urlencoded`, the body of Slack's slash commands and interactions.
public enum FormURLEncoded {
    /// Decodes `a=1&b=two+words`: `+` is a space, `%XX` escapes are decoded, the last value of a
    /// repeated name wins, a name without `=` has an empty value. Malformed escapes are kept as
    /// written and invalid UTF-8 becomes U+FFFD; decoding never fails.
    public static func decode(_ body: String) -> [String: String] {
        var body = body
        return body.withUTF8 { decode(bytes: $0) }
    }

    /// `decode` over the body's bytes, in one pass: a field without `+` or `%` becomes its `String`
    /// straight from the bytes; one with escapes is decoded through one reused buffer.
    public static func decode(bytes: UnsafeBufferPointer<UInt8>) -> [String: String] {
        var fields: [String: String] = [:]
        forEachField(in: bytes) { name, value in fields[name] = value() }
        return fields
    }

    /// Calls `visit` with each field of a form body in order: its unescaped name (never empty) and
    /// a function that unescapes its value (`""` when the field has no `=`), so a reader that wants
    /// a few fields pays only for theirs. A repeated name is visited again; `decode` keeps the last.
    public static func forEachField(in bytes: UnsafeBufferPointer<UInt8>, _ visit: (_ name: String, _ value: () -> String) -> Void) {
        var scratch: [UInt8] = []
        let count = bytes.count
        var start = 0
        while start < count {
            var end = start
            var equals = -1
            while end < count, bytes[end] != UInt8(ascii: "&") {
                if equals < 0, bytes[end] == UInt8(ascii: "=") { equals = end }
                end += 1
            }
            if end > start {
                let name = unescape(bytes, from: start, to: equals >= 0 ? equals : end, scratch: &scratch)
                if !name.isEmpty {
                    visit(name) { equals >= 0 ? unescape(bytes, from: equals + 1, to: end, scratch: &scratch) : "" }
                }
            }
            start = end + 1
        }
    }

    /// Encodes fields in order, escaping everything but unreserved characters (`A-Z a-z 0-9 - . _ ~`);
    /// spaces become `+`, as browsers and Slack send them.
    public static func encode(_ fields: [(name: String, value: String)]) -> String {
        fields.map { escape($0.name) + "=" + escape($0.value) }.joined(separator: "&")
    }

    /// The text of `bytes[from..<to]` with `+` as a space and `%XX` decoded; a `%` without two hex
    /// digits is kept as written, invalid UTF-8 becomes U+FFFD.
    private static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int, scratch: inout [UInt8]) -> String {
        let field = UnsafeBufferPointer(rebasing: bytes[from..<to])
        guard field.contains(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "%") }) else {
            return String(decoding: field, as: UTF8.self)
        }
        scratch.removeAll(keepingCapacity: true)
        var index = 0
        while index < field.count {
            let byte = field[index]
            if byte == UInt8(ascii: "+") {
                scratch.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < field.count,
                let high = Hex.value(of: field[index + 1]), let low = Hex.value(of: field[index + 2])
            {
                scratch.append(high << 4 | low)
                index += 2
            } else {
                scratch.append(byte)
            }
            index += 1
        }
        return String(decoding: scratch, as: UTF8.self)
    }

    private static func escape(_ text: String) -> String {
        var output = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
                UInt8(ascii: "~"):
                output.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                output += "+"
            default:
                output += "%" + Hex.encode([byte], uppercase: true)
            }
        }
        return output
    }
}
