/// A PostgreSQL source (`kind: postgres`): a server reached through `url`
/// (`postgres://user:password@host:port/database?sslmode=require`), read from a table or a query.
public struct PostgresSourceSpec: Sendable, Equatable {
    /// The connection URL as written, after `${VAR}` interpolation: it may hold a password, so it is
    /// never shown; `ConnectionURL` shows host, port and database only.
    public var url: String
    /// What to read.
    public var relation: PostgresRelation

    /// Creates a PostgreSQL source.
    public init(url: String, relation: PostgresRelation) {
        self.url = url
        self.relation = relation
    }
}

/// What a PostgreSQL source reads: every column of a table, or the rows of a query.
public enum PostgresRelation: Sendable, Equatable {
    /// `table: public.orders` (schema optional, `public` when absent).
    case table(schema: String?, name: String)
    /// `query: select …`: wrapped as a subquery when a cursor filters it.
    case query(String)
}

/// An HTTP JSON API source (`kind: http`).
public struct HTTPSourceSpec: Sendable, Equatable {
    /// The first page's URL (after interpolation; may carry a key in its query, so never shown whole).
    public var url: String
    /// The dotted path to the array of records in each page (`data`, `result.items`); empty: the page
    /// itself is the array.
    public var records: [String]
    /// How the next page is found.
    public var pagination: HTTPPagination
    /// Headers sent with every request, in the manifest's order (values may be secrets).
    public var headers: [HTTPHeaderField]
    /// The query parameter that carries the watermark on an incremental read (`updated_since`).
    public var sinceParam: String?
    /// The most pages one read may fetch (`max_pages`); more fails the step rather than looping for ever.
    public var maxPages: Int
    /// The deadline of each request, in seconds (`timeout`).
    public var timeoutSeconds: Int

    /// `max_pages` when the manifest does not set it.
    public static let defaultMaxPages = 10_000
    /// `timeout` when the manifest does not set it: 60 s.
    public static let defaultTimeoutSeconds = 60

    /// Creates an HTTP source.
    public init(
        url: String, records: [String] = [], pagination: HTTPPagination = .none, headers: [HTTPHeaderField] = [],
        sinceParam: String? = nil, maxPages: Int = HTTPSourceSpec.defaultMaxPages,
        timeoutSeconds: Int = HTTPSourceSpec.defaultTimeoutSeconds
    ) {
        self.url = url
        self.records = records
        self.pagination = pagination
        self.headers = headers
        self.sinceParam = sinceParam
        self.maxPages = maxPages
        self.timeoutSeconds = timeoutSeconds
    }
}

/// One header of an HTTP source.
public struct HTTPHeaderField: Sendable, Equatable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

/// How an HTTP source finds its next page.
public enum HTTPPagination: Sendable, Equatable {
    /// One page.
    case none
    /// `{ next_url: links.next }`: the next page's URL is at this dotted path of the page (absent or
    /// null: the last page).
    case nextURL(path: [String])
    /// `{ link_header: true }`: RFC 8288 `Link: <…>; rel="next"`.
    case linkHeader
    /// `{ cursor: meta.next_cursor, param: cursor }`: the value at `path` is sent as query parameter
    /// `param` for the next page (absent, null or empty: the last page).
    case cursor(path: [String], param: String)
    /// `{ page_param: page }` (optionally `start: 1`): pages numbered from `start` until an empty page.
    case page(param: String, start: Int)
    /// `{ offset_param: offset, limit_param: limit, limit: 100 }`: until a page shorter than `limit`.
    case offset(offsetParam: String, limitParam: String, limit: Int)
}

/// A Cloud Storage source (`kind: gcs`): objects of a bucket read as files.
public struct GCSSourceSpec: Sendable, Equatable {
    /// The bucket (`gs://BUCKET/…`).
    public var bucket: String
    /// The object name pattern after the bucket: a name, a prefix ending in `/`, a glob (`land/*.ndjson`)
    /// or a `{date}` template (`orders_{date}.csv`).
    public var object: String
    /// How the objects are read.
    public var format: FileFormat

    /// Creates a Cloud Storage source.
    public init(bucket: String, object: String, format: FileFormat) {
        self.bucket = bucket
        self.object = object
        self.format = format
    }

    /// `gs://bucket/object`, as written.
    public var uri: String { "gs://\(bucket)/\(object)" }
}

/// The format of file-like sources' contents.
public enum FileFormat: String, Sendable, Equatable, CaseIterable {
    case csv, ndjson
}
