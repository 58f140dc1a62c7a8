import Foundation

/// A request as the fake's handler sees it: the path split into decoded segments.
struct FakeWireRequest: Sendable {
    var method: String
    var path: [String]
    var query: [String: String]
    var headers: [String: String]
    var body: [UInt8]
}

/// The parts of a job body the fake reads; everything else is ignored, as BigQuery ignores what
/// it does not need.
struct FakeJobBody: Decodable, Sendable {
    struct Reference: Decodable, Sendable { var jobId: String? }
    struct Table: Decodable, Sendable { var projectId: String?, datasetId: String?, tableId: String? }
    struct Partitioning: Decodable, Sendable { var field: String? }
    struct Schema: Decodable, Sendable { var fields: [FakeField]? }
    /// An int64, which the REST API takes as a string or a number.
    struct Int64Text: Decodable, Sendable {
        var value: Int64
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self), let value = Int64(text) { self.value = value } else { value = try container.decode(Int64.self) }
        }
    }
    struct Query: Decodable, Sendable {
        var query: String?, useLegacySql: Bool?, destinationTable: Table?, writeDisposition: String?, createDisposition: String?
        var maximumBytesBilled: Int64Text?, timePartitioning: Partitioning?
    }
    struct Load: Decodable, Sendable {
        var sourceFormat: String?, destinationTable: Table?, schema: Schema?, writeDisposition: String?, createDisposition: String?
        var timePartitioning: Partitioning?, ignoreUnknownValues: Bool?
        var sourceUris: [String]?, skipLeadingRows: Int64Text?, maxBadRecords: Int64Text?
    }
    struct Configuration: Decodable, Sendable { var query: Query?, load: Load?, labels: [String: String]?, dryRun: Bool? }
    var jobReference: Reference?
    var configuration: Configuration?
}

/// The part of a `datasets.insert` body the fake reads.
struct FakeDatasetBody: Decodable, Sendable {
    struct Reference: Decodable, Sendable { var datasetId: String? }
    var datasetReference: Reference?
}

// How the fake reads a request: the operation it names, and the parts of a multipart upload.
extension FakeBigQueryState {
    static func operation(_ request: FakeWireRequest) -> FakeOperation {
        let path = request.path
        if path.count == 6, path[0] == "upload", path[1...3] == ["bigquery", "v2", "projects"], path[5] == "jobs" {
            switch (request.method, request.query["uploadType"]) {
            case ("POST", "multipart"): return .uploadMultipart
            case ("POST", "resumable"): return .uploadResumableStart
            case ("PUT", "resumable"): return .uploadResumableChunk
            default: return .unknown
            }
        }
        guard path.count >= 5, path[0...2] == ["bigquery", "v2", "projects"] else { return .unknown }
        switch (request.method, Array(path[4...]).enumerated().map { $0.offset % 2 == 0 ? $0.element : "*" }) {
        case ("POST", ["datasets"]): return .datasetsInsert
        case ("GET", ["datasets", "*"]): return .datasetsGet
        case ("GET", ["datasets", "*", "tables", "*"]): return .tablesGet
        case ("DELETE", ["datasets", "*", "tables", "*"]): return .tablesDelete
        case ("PATCH", ["datasets", "*", "tables", "*"]): return .tablesPatch
        case ("POST", ["jobs"]): return .jobsInsert
        case ("GET", ["jobs", "*"]): return .jobsGet
        case ("POST", ["jobs", "*", "cancel"]): return .jobsCancel
        case ("GET", ["queries", "*"]): return .getQueryResults
        default: return .unknown
        }
    }

    /// The JSON metadata and the media of a `multipart/related` upload, or BigQuery's complaint.
    static func multipart(_ contentType: String?, _ body: [UInt8]) throws(FakeError) -> (metadata: [UInt8], media: [UInt8]) {
        let parameters = (contentType ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard parameters.first?.lowercased() == "multipart/related",
              let boundary = parameters.first(where: { $0.lowercased().hasPrefix("boundary=") })?.dropFirst(9)
                .trimmingCharacters(in: CharacterSet(charactersIn: "\"")), !boundary.isEmpty
        else { throw .invalid("Bad content type for a multipart upload: \(contentType ?? "none"); expected multipart/related with a boundary") }
        let delimiter = Array("--\(boundary)".utf8)
        var chunks: [ArraySlice<UInt8>] = []
        var rest = body[...]
        while let found = rest.firstRange(of: delimiter) {
            chunks.append(rest[..<found.lowerBound])
            rest = rest[found.upperBound...]
        }
        // chunks[0] is the preamble; a closed body ends with "--" right after the last delimiter.
        guard chunks.count == 3, rest.starts(with: Array("--".utf8)) else {
            throw .invalid("Invalid multipart request with \(max(0, chunks.count - 1)) mime parts.")
        }
        var parts: [(type: String?, content: [UInt8])] = []
        for chunk in chunks.dropFirst() {
            guard let split = chunk.firstRange(of: Array("\r\n\r\n".utf8)) else { throw .invalid("Invalid multipart request: a part has no header section") }
            let headers = String(decoding: chunk[chunk.startIndex..<split.lowerBound], as: UTF8.self).split(whereSeparator: \.isNewline)
            let type = headers.first { $0.lowercased().hasPrefix("content-type:") }.map { $0.dropFirst(13).trimmingCharacters(in: .whitespaces) }
            parts.append((type, Array(chunk[split.upperBound...].dropLast(2))))  // the CRLF before the next delimiter
        }
        guard parts[0].type?.lowercased().hasPrefix("application/json") == true,
              (try? JSONSerialization.jsonObject(with: Data(parts[0].content))) is [String: Any]
        else { throw .invalid("Invalid multipart request: the first part must be the job as an application/json object") }
        guard parts[1].type != nil else { throw .invalid("Invalid multipart request: the media part has no content type") }
        return (parts[0].content, parts[1].content)
    }
}
