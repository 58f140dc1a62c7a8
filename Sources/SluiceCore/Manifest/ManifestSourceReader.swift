import Foundation
import Yams

/// Reads one entry of a pipeline's `sources:`: files (`csv`, `ndjson`), databases (`sqlite`,
/// `postgres`), HTTP APIs (`http`) and Cloud Storage objects (`gcs`), each with its own keys.
enum ManifestSourceReader {
    /// The `kind:` words.
    static let kinds = ["csv", "ndjson", "sqlite", "postgres", "http", "gcs"]

    /// Keys each kind accepts.
    static func keys(of kind: String?) -> [String] {
        switch kind {
        case "csv", "ndjson": ["kind", "path", "cursor", "encoding"]
        case "sqlite": ["kind", "path", "table", "query", "cursor"]
        case "postgres": ["kind", "url", "table", "query", "cursor"]
        case "http": ["kind", "url", "records", "pagination", "headers", "since_param", "cursor", "max_pages", "timeout"]
        case "gcs": ["kind", "uri", "format", "cursor", "encoding"]
        default: ["kind", "path", "url", "uri", "table", "query", "cursor"]
        }
    }

    /// The source, or nil (with every problem reported) when it is not valid.
    static func source(_ reader: YAMLReader, name: String, node: Node) -> Source? {
        let problemsBefore = reader.diagnostics.count
        guard let mapping = reader.mapping(node, what: "source '\(name)'") else { return nil }
        let kind = reader.choice(mapping, "kind", options: kinds, required: true)
        reader.checkKeys(mapping, allowed: keys(of: kind))
        let cursor = reader.identifier(mapping, "cursor")
        let sourceKind: SourceKind? = switch kind {
        case "csv": reader.string(mapping, "path", required: true).map { .csv(path: $0) }
        case "ndjson": reader.string(mapping, "path", required: true).map { .ndjson(path: $0) }
        case "sqlite": sqlite(reader, mapping, name: name)
        case "postgres": postgres(reader, mapping, name: name)
        case "http": http(reader, mapping, name: name)
        case "gcs": gcs(reader, mapping, name: name)
        default: nil
        }
        let encoding = kind == "csv" || kind == "ndjson" || kind == "gcs" ? self.encoding(reader, mapping) : .utf8
        guard reader.diagnostics.count == problemsBefore, let sourceKind else { return nil }
        return Source(name: name, kind: sourceKind, cursor: cursor, encoding: encoding)
    }

    // MARK: Kinds

    private static func sqlite(_ reader: YAMLReader, _ mapping: YAMLMapping, name: String) -> SourceKind? {
        let path = reader.string(mapping, "path", required: true)
        guard let relation = tableOrQuery(reader, mapping, name: name, qualified: false), let path else { return nil }
        return switch relation {
        case let .table(_, table): .sqlite(path: path, query: "SELECT * FROM \"\(table)\"")
        case let .query(query): .sqlite(path: path, query: query)
        }
    }

    private static func postgres(_ reader: YAMLReader, _ mapping: YAMLMapping, name: String) -> SourceKind? {
        let urlNode = reader.value(mapping, "url", required: true)
        var url: String?
        if let urlNode, let text = reader.text(urlNode, label: "url") {
            if let problem = PostgresURLShape.problem(text) {
                reader.report("'url' of source '\(name)' \(problem)", at: urlNode)
            } else {
                url = text
            }
        }
        guard let relation = tableOrQuery(reader, mapping, name: name, qualified: true), let url else { return nil }
        return .postgres(PostgresSourceSpec(url: url, relation: relation))
    }

    private static func http(_ reader: YAMLReader, _ mapping: YAMLMapping, name: String) -> SourceKind? {
        let urlNode = reader.value(mapping, "url", required: true)
        var url: String?
        if let urlNode, let text = reader.text(urlNode, label: "url") {
            let lower = text.lowercased()
            if lower.hasPrefix("https://") || lower.hasPrefix("http://"), URL(string: text)?.host != nil {
                url = text
            } else {
                reader.report("'url' of source '\(name)' must be an http:// or https:// address with a host", at: urlNode)
            }
        }
        let records = reader.string(mapping, "records").map(dottedPath) ?? []
        let pagination = self.pagination(reader, mapping, name: name)
        var headers: [HTTPHeaderField] = []
        if let node = reader.value(mapping, "headers", required: false),
           let fields = reader.mapping(node, what: "'headers' of source '\(name)'") {
            for entry in fields.entries {
                guard entry.key.allSatisfy({ $0.isLetter || $0.isNumber || "-_".contains($0) }), !entry.key.isEmpty else {
                    reader.report("header name '\(entry.key)' may hold only letters, digits, '-' and '_'", at: entry.keyNode)
                    continue
                }
                if let value = reader.text(entry.value, label: entry.key) {
                    if value.contains(where: \.isNewline) {
                        reader.report("header '\(entry.key)' must be one line", at: entry.value)
                    } else {
                        headers.append(HTTPHeaderField(name: entry.key, value: value))
                    }
                }
            }
        }
        let since = reader.string(mapping, "since_param")
        let maxPages = reader.integer(mapping, "max_pages", in: 1...1_000_000) ?? HTTPSourceSpec.defaultMaxPages
        var timeout = HTTPSourceSpec.defaultTimeoutSeconds
        if let span = reader.timeSpan(mapping, "timeout") {
            let seconds = Int(span.seconds)
            if (1...3600).contains(seconds) {
                timeout = seconds
            } else if let node = mapping.value("timeout") {
                reader.report("'timeout' of source '\(name)' must be between 1s and 1h", at: node)
            }
        }
        guard let url, let pagination else { return nil }
        return .http(HTTPSourceSpec(
            url: url, records: records, pagination: pagination, headers: headers, sinceParam: since,
            maxPages: maxPages, timeoutSeconds: timeout))
    }

    private static let paginationKeys = ["next_url", "link_header", "cursor", "param", "page_param", "start", "offset_param", "limit_param", "limit"]

    private static func pagination(_ reader: YAMLReader, _ mapping: YAMLMapping, name: String) -> HTTPPagination? {
        guard let node = reader.value(mapping, "pagination", required: false) else { return HTTPPagination.none }
        let what = "'pagination' of source '\(name)'"
        guard let style = reader.mapping(node, what: what, allowed: paginationKeys) else { return nil }
        let styles = ["next_url", "link_header", "cursor", "page_param", "offset_param"].filter { style.has($0) }
        guard styles.count == 1, let chosen = styles.first else {
            reader.report(
                "\(what) needs exactly one of next_url, link_header, cursor (with param), page_param or offset_param (with limit_param and limit)"
                    + (styles.count > 1 ? "; it has \(YAMLReader.alternatives(styles, quoted: true))" : ""),
                at: node)
            return nil
        }
        switch chosen {
        case "next_url":
            return reader.string(style, "next_url").map { .nextURL(path: dottedPath($0)) }
        case "link_header":
            guard let text = reader.string(style, "link_header"), text == "true" else {
                reader.report("'link_header' in \(what) must be true", at: style.value("link_header") ?? node)
                return nil
            }
            return .linkHeader
        case "cursor":
            let path = reader.string(style, "cursor")
            let param = reader.string(style, "param", required: true)
            guard let path, let param else { return nil }
            return .cursor(path: dottedPath(path), param: param)
        case "page_param":
            let param = reader.string(style, "page_param")
            let start = reader.integer(style, "start", in: 0...Int(Int32.max)) ?? 1
            return param.map { .page(param: $0, start: start) }
        default:
            let offset = reader.string(style, "offset_param")
            let limitParam = reader.string(style, "limit_param", required: true)
            let limit = reader.integer(style, "limit", in: 1...1_000_000)
            if limit == nil, !style.has("limit") {
                reader.report("\(what) is missing required key 'limit' (the page size to ask for)", at: node)
            }
            guard let offset, let limitParam, let limit else { return nil }
            return .offset(offsetParam: offset, limitParam: limitParam, limit: limit)
        }
    }

    private static func gcs(_ reader: YAMLReader, _ mapping: YAMLMapping, name: String) -> SourceKind? {
        let uriNode = reader.value(mapping, "uri", required: true)
        var location: (bucket: String, object: String)?
        if let uriNode, let text = reader.text(uriNode, label: "uri") {
            location = GCSURI.split(text)
            if location == nil {
                reader.report(
                    "'uri' of source '\(name)' must be gs://BUCKET/OBJECT (a name, a prefix ending in '/', a glob such as land/*.csv, or a {date} template), got '\(text)'",
                    at: uriNode)
            }
        }
        var format: FileFormat?
        if let word = reader.choice(mapping, "format", options: FileFormat.allCases.map(\.rawValue)) {
            format = FileFormat(rawValue: word)
        } else if !mapping.has("format"), let object = location?.object {
            format = object.hasSuffix(".csv") ? .csv : object.hasSuffix(".ndjson") || object.hasSuffix(".jsonl") || object.hasSuffix(".json") ? .ndjson : nil
            if format == nil {
                reader.report("source '\(name)' needs 'format: csv' or 'format: ndjson' (the object names do not say)", at: mapping.mark)
            }
        }
        guard let location, let format else { return nil }
        return .gcs(GCSSourceSpec(bucket: location.bucket, object: location.object, format: format))
    }

    // MARK: Shared

    /// `table:` or `query:` (exactly one). A qualified table may be written `schema.table`.
    private static func tableOrQuery(
        _ reader: YAMLReader, _ mapping: YAMLMapping, name: String, qualified: Bool
    ) -> PostgresRelation? {
        if let entry = mapping.entry("query"), mapping.entry("table") != nil {
            reader.report("source '\(name)' has both 'table' and 'query'; keep one of them", at: entry.keyNode)
            return nil
        }
        if let node = reader.value(mapping, "table", required: false) {
            guard let text = reader.text(node, label: "table") else { return nil }
            let parts = text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard (parts.count == 1 || (qualified && parts.count == 2)), parts.allSatisfy(TableName.isIdentifier) else {
                reader.report(
                    "'table' of source '\(name)' must be a plain name\(qualified ? " or schema.table" : "") (letters, digits and _), got '\(text)'",
                    at: node)
                return nil
            }
            return parts.count == 2 ? .table(schema: parts[0], name: parts[1]) : .table(schema: nil, name: parts[0])
        }
        if let query = reader.string(mapping, "query") { return .query(query) }
        if !mapping.has("table"), !mapping.has("query") {
            reader.report("source '\(name)' needs 'table' or 'query' to say what to read", at: mapping.mark)
        }
        return nil
    }

    /// `links.next` → `["links", "next"]`.
    static func dottedPath(_ text: String) -> [String] {
        text.split(separator: ".").map(String.init)
    }

    /// `encoding:` of a file source — UTF-8 when absent; an unknown name is reported with the accepted ones.
    private static func encoding(_ reader: YAMLReader, _ source: YAMLMapping) -> SourceEncoding {
        guard let node = reader.value(source, "encoding", required: false),
              let name = reader.text(node, label: "encoding") else { return .utf8 }
        if let encoding = SourceEncoding(manifestName: name) { return encoding }
        let accepted = SourceEncoding.allCases.map { encoding in
            let aliases = encoding.manifestNames.dropFirst()
            return encoding.manifestName + (aliases.isEmpty ? "" : " (or \(aliases.joined(separator: " or ")))")
        }
        reader.report(
            "'encoding' must be \(YAMLReader.alternatives(accepted, quoted: false)), got '\(name)'"
                + YAMLReader.didYouMean(name, SourceEncoding.allCases.flatMap(\.manifestNames)),
            at: node
        )
        return .utf8
    }
}

/// `gs://bucket/object` split into its bucket and object pattern.
public enum GCSURI {
    /// The bucket and object pattern, or nil when `text` is not `gs://BUCKET/OBJECT` with a valid bucket name.
    public static func split(_ text: String) -> (bucket: String, object: String)? {
        guard text.hasPrefix("gs://") else { return nil }
        let rest = text.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let bucket = String(rest[..<slash])
        let object = String(rest[rest.index(after: slash)...])
        let allowed = bucket.allSatisfy { $0.isLowercase && $0.isASCII || $0.isNumber || "-_.".contains($0) }
        guard (3...222).contains(bucket.count), allowed, !object.isEmpty, object.utf8.count <= 1024 else { return nil }
        return (bucket, object)
    }
}

/// The shape of a `postgres://` URL, checked at validation without connecting.
public enum PostgresURLShape {
    /// Why `text` is not a usable PostgreSQL URL (said without repeating it: it may hold a password), or nil.
    public static func problem(_ text: String) -> String? {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
            return "must be a postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=require)"
        }
        guard let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            return "must name a host: postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        }
        if let mode = components.queryItems?.first(where: { $0.name == "sslmode" })?.value,
           !["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(mode) {
            return "has sslmode '\(mode)'; use disable, prefer, require, verify-ca or verify-full"
        }
        return nil
    }
}
