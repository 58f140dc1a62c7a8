import AsyncHTTPClient
import SluiceCore

/// An HTTP JSON API source (`kind: http`), read page by page (see `HTTPPaging`) through the shared
/// `HTTPClient`, each page's records flattened into columns (`HTTPRecordFlattener`) and streamed into
/// the load as one batch per page. Columns are the first page's flattened keys; because every page
/// names its own columns, a load may declare a column that only later pages have (it is null until
/// then), and an empty first page is fine when the load declares its columns. A load that declares
/// none takes the first page's keys, as an NDJSON file takes its first line's.
///
/// An incremental read sends the watermark as `since_param`; the load filters `cursor >= watermark`
/// itself too, so an API that ignores the parameter is still read correctly.
struct HTTPSource: StreamedSource {
    /// The manifest's name of the source.
    let name: String
    let spec: HTTPSourceSpec
    let client: HTTPClient

    init(name: String, spec: HTTPSourceSpec, client: HTTPClient = .shared) {
        self.name = name
        self.spec = spec
        self.client = client
    }

    /// `source 'reviews' (GET https://api.example.com/v1/reviews)`: no query, user or header.
    var display: String { "source '\(name)' (GET \(HTTPSourceURL.shown(spec.url)))" }

    func open(watermark: String?) async throws -> any RecordReader {
        let display = display
        let fetcher = HTTPPageFetcher(
            display: display, manifestURL: spec.url, headers: spec.headers, timeoutSeconds: spec.timeoutSeconds,
            policy: HTTPFetchPolicy.current, client: client)
        let reader = HTTPPageReader(spec: spec, display: display, fetcher: fetcher, watermark: watermark)
        return try await StreamedRecordReader.open(display: display, capacity: 2, columnsVary: true) { pipe in
            try await reader.read(into: pipe)
        }
    }
}
