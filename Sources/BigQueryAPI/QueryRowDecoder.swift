/// Turns `getQueryResults` rows (`{"f": [{"v": …}]}`) into text cells.
enum QueryRowDecoder {
    /// The rows in `rows`, one text cell per field (nil = NULL).
    static func rows(_ rows: JSON, fields: [SchemaField]) -> [[String?]] {
        rows.array.map { row in
            let cells = row["f"].array
            return cells.indices.map { index in
                let field = index < fields.count ? fields[index] : SchemaField(name: "f\(index)", type: "STRING")
                return cell(cells[index]["v"], field: field)
            }
        }
    }

    /// One cell as text: scalars as BigQuery prints them (timestamps as UTC `YYYY-MM-DD HH:MM:SS`),
    /// records and repeated values as JSON text.
    static func cell(_ value: JSON, field: SchemaField) -> String? {
        if value.isNull { return nil }
        if field.mode == "REPEATED" || isRecord(field) { return jsonText(value, field: field) }
        return scalarText(value, type: field.type)
    }

    private static func isRecord(_ field: SchemaField) -> Bool {
        field.type == "RECORD" || field.type == "STRUCT"
    }

    private static func scalarText(_ value: JSON, type: String) -> String? {
        let text: String
        switch value {
        case let .string(string): text = string
        case let .bool(bool): text = bool ? "true" : "false"
        case let .number(number): text = number.rounded() == number && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        case .null: return nil
        default: text = String(decoding: value.encoded, as: UTF8.self)
        }
        return type == "TIMESTAMP" ? TimestampText.format(text) : text
    }

    /// A value as JSON text, following the field's type and mode.
    static func jsonText(_ value: JSON, field: SchemaField) -> String {
        if value.isNull { return "null" }
        if field.mode == "REPEATED" {
            var element = field
            element.mode = "NULLABLE"
            return "[" + value.array.map { jsonText($0["v"], field: element) }.joined(separator: ",") + "]"
        }
        if isRecord(field) {
            let cells = value["f"].array
            let members = zip(field.fields, cells).map { sub, cell in quoted(sub.name) + ":" + jsonText(cell["v"], field: sub) }
            return "{" + members.joined(separator: ",") + "}"
        }
        guard let text = scalarText(value, type: field.type) else { return "null" }
        switch field.type {
        case "INT64", "INTEGER", "FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC":
            return Double(text)?.isFinite == true ? text : quoted(text)
        case "BOOL", "BOOLEAN":
            return text == "true" || text == "false" ? text : quoted(text)
        default:
            return quoted(text)
        }
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
