import AsyncHTTPClient
import SluiceCore

/// The producer of an HTTP source: fetches its pages one after another, parses each, finds its
/// records at the `records` path, and sends one `RecordBatch` per page (origin `page N`) into the
/// pipe, announcing the first page's columns before it. A page that is not JSON, a `records` path
/// that is missing or not an array, a next page that cannot be found, or more than `max_pages`
/// pages fail the read: nothing of it loads, and the watermark stays.
struct HTTPPageReader: Sendable {
    let spec: HTTPSourceSpec
    let display: String
    let fetcher: HTTPPageFetcher
    let watermark: String?

    /// Reads every page into `pipe`.
    func read(into pipe: RecordPipe) async throws {
        var paging = HTTPPaging(spec: spec, watermark: watermark)
        var url = paging.first
        var number = 1
        while true {
            let page = try await fetcher.fetch(url, page: number)
            let json: HTTPJSON
            do {
                json = try HTTPJSONParser.parse(page.body)
            } catch {
                let start = String(decoding: page.body.prefix(80), as: UTF8.self).split(whereSeparator: \.isNewline).joined(separator: " ")
                throw ExtractError(
                    .unreadable,
                    "\(display): page \(number) (GET \(HTTPSourceURL.shown(url))) is not JSON: \(error)"
                        + (start.isEmpty ? " (the body is empty)" : "; it starts '\(fetcher.scrub(start))'")
                        + ". Check the source's url: it should answer with JSON")
            }
            let records = try records(of: json, page: number)
            let batch = HTTPRecordFlattener.batch(records, origin: "page \(number)")
            if number == 1 { pipe.start(columns: (batch.columns ?? []).filter { !$0.isEmpty }) }
            if batch.count > 0 { try await pipe.send(batch) }

            let next: String?
            do {
                next = try paging.next(after: json, links: page.links, records: records.count, url: url)
            } catch {
                throw ExtractError(.unreadable, "\(display): cannot find the page after page \(number): \(error.reason)")
            }
            guard let next else { return }
            guard number < spec.maxPages else {
                throw ExtractError(
                    .unreadable,
                    "\(display) has more than max_pages (\(spec.maxPages)) pages: page \(number) still points to a next page. "
                        + "Nothing from this read was loaded; raise max_pages on the source if the API really has that many pages, "
                        + "or check its pagination")
            }
            url = next
            number += 1
        }
    }

    /// The array of records at the `records` path of page `number`.
    private func records(of page: HTTPJSON, page number: Int) throws -> [HTTPJSON] {
        let path = spec.records
        let named = path.joined(separator: ".")
        var current = page
        for (depth, key) in path.enumerated() {
            guard let next = current[key] else {
                let parent = depth == 0 ? "the page" : "'\(path[..<depth].joined(separator: "."))'"
                let found = current.keys.isEmpty
                    ? "\(parent) is \(current.kindName)"
                    : "\(parent) has \(current.keys.prefix(20).map { "'\($0)'" }.joined(separator: ", "))"
                throw ExtractError(
                    .unreadable,
                    "\(display): page \(number) has no records at '\(named)' (\(found)); check the source's records path")
            }
            current = next
        }
        guard case let .array(items) = current else {
            let keys = current.keys.isEmpty ? "" : " (its keys: \(current.keys.prefix(20).joined(separator: ", ")))"
            throw ExtractError(
                .unreadable,
                path.isEmpty
                    ? "\(display): page \(number) is \(current.kindName), not an array of records\(keys); "
                        + "set records: to the path of the array in each page"
                    : "\(display): page \(number) holds \(current.kindName) at '\(named)', not an array of records\(keys); "
                        + "check the source's records path")
        }
        return items
    }
}
