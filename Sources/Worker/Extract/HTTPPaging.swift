import SluiceCore

/// Which URL an HTTP source asks for first and after each page, by its `pagination`:
/// - `next_url`: the URL at a path of the page (absent, null or empty: the last page);
/// - `link_header`: RFC 8288 `Link: <…>; rel="next"`;
/// - `cursor`: the value at a path of the page, sent as a query parameter;
/// - `page_param`: page numbers from `start`, until a page with no records;
/// - `offset_param`: offsets by the records read, `limit` per page, until a page shorter than it.
/// On an incremental read the first request carries `since_param=<watermark>`, and so do the
/// requests built from the manifest's URL (cursor, page and offset follow-ups); `next_url` and
/// `Link` targets are used as the API gave them. Relative targets resolve against the request URL.
struct HTTPPaging {
    /// Why the next page cannot be found, in the user's terms (the reader adds source and page).
    struct Problem: Error {
        var reason: String
    }

    private let style: HTTPPagination
    /// The manifest URL with `since_param` when the read is incremental.
    private let base: String
    private var pageIndex = 0
    private var offset = 0

    /// The paging of `spec`, reading from `watermark` (nil: everything).
    init(spec: HTTPSourceSpec, watermark: String?) {
        style = spec.pagination
        if let since = spec.sinceParam, let watermark {
            base = HTTPSourceURL.setting([(since, watermark)], in: spec.url)
        } else {
            base = spec.url
        }
    }

    /// The first page's URL.
    var first: String {
        switch style {
        case .none, .nextURL, .linkHeader, .cursor: base
        case let .page(param, start): HTTPSourceURL.setting([(param, String(start))], in: base)
        case let .offset(offsetParam, limitParam, limit): HTTPSourceURL.setting([(offsetParam, "0"), (limitParam, String(limit))], in: base)
        }
    }

    /// The URL after the page fetched from `url` (its JSON, `Link` headers and record count), or nil
    /// when it was the last page.
    mutating func next(after page: HTTPJSON, links: [String], records: Int, url: String) throws(Problem) -> String? {
        pageIndex += 1
        let next: String?
        switch style {
        case .none:
            return nil
        case let .nextURL(path):
            next = try resolved(try text(at: path, of: page, what: "URL"), from: url, what: "'\(path.joined(separator: "."))'")
        case .linkHeader:
            next = try resolved(HTTPLinkHeader.next(in: links), from: url, what: "the Link header's rel=\"next\"")
        case let .cursor(path, param):
            next = try text(at: path, of: page, what: "cursor").map { HTTPSourceURL.setting([(param, $0)], in: base) }
        case let .page(param, start):
            guard records > 0 else { return nil }
            let (number, overflow) = start.addingReportingOverflow(pageIndex)
            guard !overflow else { throw Problem(reason: "the page numbers ran out") }
            return HTTPSourceURL.setting([(param, String(number))], in: base)
        case let .offset(offsetParam, limitParam, limit):
            guard records >= limit else { return nil }
            offset += records
            return HTTPSourceURL.setting([(offsetParam, String(offset)), (limitParam, String(limit))], in: base)
        }
        if let next, next == url {
            throw Problem(reason: "the API gave the page just read as the next page (\(HTTPSourceURL.shown(next))), so its pages would never end")
        }
        return next
    }

    /// The text at `path` of the page: a string or a number; nil when absent, null or empty.
    private func text(at path: [String], of page: HTTPJSON, what: String) throws(Problem) -> String? {
        switch page.value(at: path) {
        case nil, .null?: return nil
        case let .string(text)?: return text.isEmpty ? nil : text
        case let .number(text)?: return text
        case let value?:
            throw Problem(reason: "'\(path.joined(separator: "."))' holds \(value.kindName), not a \(what)")
        }
    }

    /// `reference` resolved against `url`; nil stays nil (the last page).
    private func resolved(_ reference: String?, from url: String, what: String) throws(Problem) -> String? {
        guard let reference else { return nil }
        guard let next = HTTPSourceURL.resolve(reference, against: url) else {
            throw Problem(reason: "\(what) is not an http(s) URL")
        }
        return next
    }
}
