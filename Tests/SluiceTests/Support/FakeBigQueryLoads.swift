import Foundation
import GRDB

/// Load jobs: newline-delimited JSON checked against the schema row by row (unknown fields, NULL in
/// REQUIRED columns, values that do not convert), then written with the load's dispositions and
/// partition decorator. Also parses `multipart/related` upload bodies.
extension FakeBigQueryState {
    /// Runs `configuration.load` over the uploaded bytes; failures come back in the outcome.
    mutating func runLoad(_ load: FakeJSON, data: [UInt8]) -> FakeJobOutcome {
        do {
            return try executeLoad(load, data: data)
        } catch let failure as FakeBigQueryFailure {
            return FakeJobOutcome(failure: failure)
        } catch let error as DatabaseError {
            return FakeJobOutcome(failure: Self.translate(error))
        } catch {
            return FakeJobOutcome(failure: .invalid("\(error)"))
        }
    }

    private mutating func executeLoad(_ load: FakeJSON, data: [UInt8]) throws -> FakeJobOutcome {
        let format = load["sourceFormat"].string ?? "CSV"
        guard format == "NEWLINE_DELIMITED_JSON" else {
            throw FakeBigQueryFailure.invalid("This fake loads only NEWLINE_DELIMITED_JSON, not \(format)")
        }
        let table = load["destinationTable"]
        let destination = try destination(
            project: table["projectId"].string, dataset: table["datasetId"].string ?? "", tableID: table["tableId"].string ?? "")
        try requireDataset(destination.dataset, project: destination.project)
        var fields = try load["schema"]["fields"].array.map { json throws(FakeBigQueryFailure) in try FakeField(json: json) }
        if fields.isEmpty { fields = tables[destination.key]?.fields ?? [] }
        guard !fields.isEmpty else { throw FakeBigQueryFailure.invalid("No schema specified on job or table.") }
        let partitioning = load["timePartitioning"].isNull
            ? nil : (type: load["timePartitioning"]["type"].string ?? "DAY", field: load["timePartitioning"]["field"].string)
        let rows = try Self.parseNDJSON(
            data, fields: fields, maxBadRecords: Int(load["maxBadRecords"].int64 ?? 0),
            ignoreUnknownValues: load["ignoreUnknownValues"].bool ?? false)
        let written = try Self.transaction(db) { db in
            try write(
                rows.rows, fields: fields, into: destination, disposition: load["writeDisposition"].string ?? "WRITE_APPEND",
                create: load["createDisposition"].string ?? "CREATE_IF_NEEDED", partitioning: partitioning, db)
        }
        return FakeJobOutcome(outputRows: written, inputBytes: Int64(data.count))
    }

    /// Rows of NDJSON in schema order, or the load's failure once bad rows exceed `maxBadRecords`.
    static func parseNDJSON(
        _ data: [UInt8], fields: [FakeField], maxBadRecords: Int, ignoreUnknownValues: Bool
    ) throws(FakeBigQueryFailure) -> (rows: [[DatabaseValue]], bad: Int) {
        let positions = Dictionary(fields.enumerated().map { ($1.name.lowercased(), $0) }, uniquingKeysWith: { first, _ in first })
        var rows: [[DatabaseValue]] = []
        var errors: [String] = []
        var lineCount = 0
        var start = 0
        while start < data.count {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.count
            var line = data[start..<end]
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            defer { start = end + 1 }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            lineCount += 1
            let prefix = "Error while reading data, error message: JSON parsing error in row starting at position \(start): "
            guard let members = FakeJSON.parse(line)?.object else {
                errors.append(prefix + "Parser terminated before end of string")
                continue
            }
            var row = [DatabaseValue](repeating: .null, count: fields.count)
            var problem: String?
            for (key, value) in members.sorted(by: { $0.key < $1.key }) {
                guard let index = positions[key.lowercased()] else {
                    if !ignoreUnknownValues { problem = problem ?? "No such field: \(key)." }
                    continue
                }
                switch FakeBigQueryValues.storable(value, type: fields[index].type) {
                case let .success(stored): row[index] = stored
                case let .failure(error):
                    let shown = value.string ?? value.text
                    problem = problem ?? "Could not convert value '\(shown)' to \(fields[index].type). Field: \(fields[index].name); Value: \(shown) (\(error.message))"
                }
            }
            if problem == nil, let missing = fields.enumerated().first(where: { $1.mode == "REQUIRED" && row[$0].isNull }) {
                problem = "Only optional fields can be set to NULL. Field: \(missing.element.name); Value: NULL"
            }
            if let problem {
                errors.append(prefix + problem)
            } else {
                rows.append(row)
            }
        }
        if errors.count > maxBadRecords {
            var failure = FakeBigQueryFailure.invalid(
                "Error while reading data, error message: JSON table encountered too many errors, giving up. Rows: \(lineCount); errors: \(errors.count). Please look into the errors[] collection for more details.")
            failure.details = Array(errors.prefix(5))
            throw failure
        }
        return (rows, errors.count)
    }

    /// The JSON metadata and the media of a `multipart/related` upload, or BigQuery's complaint.
    static func multipart(contentType: String?, body: [UInt8]) throws(FakeBigQueryFailure) -> (metadata: FakeJSON, media: [UInt8]) {
        guard let contentType, contentType.lowercased().hasPrefix("multipart/related") else {
            throw .invalid("Bad content type for a multipart upload: \(contentType ?? "none"); expected multipart/related with a boundary")
        }
        let parameters = contentType.split(separator: ";").dropFirst().map { $0.trimmingCharacters(in: .whitespaces) }
        guard let boundaryParameter = parameters.first(where: { $0.lowercased().hasPrefix("boundary=") }) else {
            throw .invalid("Invalid multipart request: the content type has no boundary")
        }
        var boundary = String(boundaryParameter.dropFirst("boundary=".count))
        if boundary.hasPrefix("\""), boundary.hasSuffix("\""), boundary.count >= 2 { boundary = String(boundary.dropFirst().dropLast()) }
        guard !boundary.isEmpty else { throw .invalid("Invalid multipart request: empty boundary") }
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [(headers: [String: String], content: ArraySlice<UInt8>)] = []
        var closed = false
        guard var cursor = body.firstRange(of: delimiter)?.upperBound else {
            throw .invalid("Invalid multipart request with 0 mime parts.")
        }
        while cursor <= body.count {
            if body[cursor...].starts(with: Array("--".utf8)) {
                closed = true
                break
            }
            guard let next = body[cursor...].firstRange(of: delimiter) else { break }
            var part = body[cursor..<next.lowerBound]
            if part.starts(with: [0x0D, 0x0A]) { part = part.dropFirst(2) } else if part.first == 0x0A { part = part.dropFirst() }
            if part.last == 0x0A { part = part.dropLast() }
            if part.last == 0x0D { part = part.dropLast() }
            let separator = part.firstRange(of: [0x0D, 0x0A, 0x0D, 0x0A]) ?? part.firstRange(of: [0x0A, 0x0A])
            guard let separator else { throw .invalid("Invalid multipart request: a part has no header section") }
            var headers: [String: String] = [:]
            for line in String(decoding: part[part.startIndex..<separator.lowerBound], as: UTF8.self).split(whereSeparator: \.isNewline) {
                let pieces = line.split(separator: ":", maxSplits: 1)
                guard pieces.count == 2 else { continue }
                headers[pieces[0].trimmingCharacters(in: .whitespaces).lowercased()] = pieces[1].trimmingCharacters(in: .whitespaces)
            }
            parts.append((headers, part[separator.upperBound...]))
            cursor = next.upperBound
        }
        guard closed, parts.count == 2 else {
            throw .invalid("Invalid multipart request with \(closed ? parts.count : 0) mime parts.")
        }
        guard let metadataType = parts[0].headers["content-type"], metadataType.lowercased().hasPrefix("application/json") else {
            throw .invalid("Invalid multipart request: the first part must be the job as application/json, not \(parts[0].headers["content-type"] ?? "untyped")")
        }
        guard parts[1].headers["content-type"] != nil else {
            throw .invalid("Invalid multipart request: the media part has no content type")
        }
        guard let metadata = FakeJSON.parse(parts[0].content), metadata.object != nil else {
            throw .invalid("Invalid multipart request: the job metadata is not a JSON object")
        }
        return (metadata, Array(parts[1].content))
    }
}
