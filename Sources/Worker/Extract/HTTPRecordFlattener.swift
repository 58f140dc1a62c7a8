/// Turns an API page's records into one `RecordBatch` with columns:
/// - a string, number or boolean is its text (numbers exactly as the page wrote them, booleans
///   `true`/`false`); null is null; an array is its JSON text;
/// - a nested object becomes `a_b` columns, recursively (`a_b_c`), and is also kept whole as JSON text
///   under its own name `a`, so a load may take either;
/// - the batch's columns are the sorted union of its records' flattened keys (a key a record lacks is
///   null in it); every page names its own columns, so a key that first appears on a later page still
///   loads (see `StreamedRecordReader`'s `columnsVary`).
/// A record that is not an object, or in which two values land on the same column (a key `a_b`
/// beside a nested `a.b`, or a repeated key), is a bad record with its reason: nothing is dropped
/// silently, and the load's `max_bad_records` counts it.
enum HTTPRecordFlattener {
    /// One record's columns: name → text, or nil for null.
    typealias Fields = [String: [UInt8]?]

    /// The batch of `records` (the page's array), its batch origin `origin` (`page 3`).
    static func batch(_ records: [HTTPJSON], origin: String) -> RecordBatch {
        var flattened: [Result<Fields, BadRecord>] = []
        flattened.reserveCapacity(records.count)
        var names = Set<String>()
        for record in records {
            let result = fields(of: record)
            if case let .success(fields) = result { names.formUnion(fields.keys) }
            flattened.append(result)
        }
        let columns = names.sorted()
        // A batch record needs at least one field: a page whose records have no keys at all carries
        // one unnamed field, always null, which no load can bind.
        var batch = RecordBatch(width: max(columns.count, 1), origin: origin)
        batch.columns = columns.isEmpty ? [""] : columns
        for result in flattened {
            switch result {
            case let .failure(bad):
                batch.appendBad(bad.reason)
            case let .success(fields):
                if columns.isEmpty { batch.appendNull() }
                for column in columns {
                    if case let .some(.some(text)) = fields[column] {
                        batch.append(field: text)
                    } else {
                        batch.appendNull()
                    }
                }
            }
        }
        return batch
    }

    /// Why a record cannot load.
    struct BadRecord: Error {
        var reason: String
    }

    /// The flattened columns of one record.
    static func fields(of record: HTTPJSON) -> Result<Fields, BadRecord> {
        guard case let .object(members) = record else {
            return .failure(BadRecord(reason: "the record is \(record.kindName), not a JSON object"))
        }
        var fields: Fields = [:]
        if let clash = add(members, prefix: "", to: &fields) {
            return .failure(BadRecord(
                reason: "two values become column '\(clash)' (a key '\(clash)' beside a nested object's key, or a repeated key); "
                    + "load the nested object whole from its JSON column instead, or fix the API's record"))
        }
        return .success(fields)
    }

    /// Adds an object's members under `prefix`; returns the first column two values land on.
    private static func add(_ members: [HTTPJSON.Member], prefix: String, to fields: inout Fields) -> String? {
        for member in members {
            let name = prefix.isEmpty ? member.key : prefix + "_" + member.key
            guard fields[name] == nil else { return name }
            switch member.value {
            case .null:
                fields[name] = .some(nil)
            case let .bool(value):
                fields[name] = Array((value ? "true" : "false").utf8)
            case let .number(text), let .string(text):
                fields[name] = Array(text.utf8)
            case .array:
                fields[name] = jsonText(member.value)
            case let .object(nested):
                fields[name] = jsonText(member.value)
                if let clash = add(nested, prefix: name, to: &fields) { return clash }
            }
        }
        return nil
    }

    private static func jsonText(_ value: HTTPJSON) -> [UInt8] {
        var bytes: [UInt8] = []
        value.write(to: &bytes)
        return bytes
    }
}
