import AsyncHTTPClient
import Foundation
import SluiceCore

/// Fetches one page of an HTTP source: a GET with the manifest's headers (sent only to the origin the
/// manifest names), a deadline covering the whole exchange, a bounded body, and retries by
/// `HTTPFetchPolicy`. A `4xx` fails at once with the API's own message; what it gives up on is an
/// `ExtractError` naming the page, the status and the URL without its query — never a header value
/// or a query value, even when the API echoes one.
struct HTTPPageFetcher: Sendable {
    /// A page as received.
    struct Page: Sendable {
        var body: [UInt8]
        /// The `Link` header values, in order.
        var links: [String]
    }

    /// Sent on every request.
    static let userAgent = "sluice/1.0 (http source)"

    /// Names the source in messages.
    let display: String
    /// The manifest's URL: its origin receives the headers.
    let manifestURL: String
    let headers: [HTTPHeaderField]
    let timeoutSeconds: Int
    let policy: HTTPFetchPolicy
    let client: HTTPClient

    /// The page at `url` (page `number` of the read), once it answered `2xx`.
    func fetch(_ url: String, page number: Int) async throws -> Page {
        let shown = HTTPSourceURL.shown(url)
        var attempt = 0
        while true {
            attempt += 1
            try Task.checkCancellation()
            let wait: TimeInterval
            let problem: String
            do {
                let reply = try await once(url)
                switch reply.status {
                case 200..<300:
                    return Page(body: reply.body, links: reply.links)
                case 429, 503:
                    wait = reply.retryAfter.flatMap(policy.retryAfter) ?? policy.backoff(after: attempt)
                    problem = "HTTP \(reply.status) (\(reply.status == 429 ? "rate limited" : "unavailable")) from GET \(shown)"
                case 500..<600:
                    wait = policy.backoff(after: attempt)
                    problem = "HTTP \(reply.status) from GET \(shown): \(message(of: reply.body))"
                default:
                    throw ExtractError(
                        .unreadable,
                        "\(display): page \(number) failed with HTTP \(reply.status) from GET \(shown): \(message(of: reply.body)). "
                            + advice(reply.status))
                }
            } catch let error as ExtractError {
                throw error
            } catch let error as TooLarge {
                throw ExtractError(
                    .unreadable,
                    "\(display): page \(number) from GET \(shown) is larger than \(Format.bytes(Int64(policy.maxBodyBytes)))"
                        + (error.declared.map { " (it declares \(Format.bytes(Int64($0))))" } ?? "")
                        + "; ask the API for smaller pages (a limit or page size parameter in the url or pagination)")
            } catch {
                if error is CancellationError || Task.isCancelled { throw CancellationError() }
                wait = policy.backoff(after: attempt)
                if error is TimedOut || (error as? HTTPClientError) == .deadlineExceeded {
                    problem = "GET \(shown) did not answer within \(timeoutSeconds)s"
                } else {
                    problem = "could not reach GET \(shown) (\(scrub(String(describing: error))))"
                }
            }
            guard attempt < policy.maxAttempts else {
                throw ExtractError(
                    .unreadable,
                    "\(display): page \(number) failed after \(attempt) tries: \(problem). "
                        + "The API kept failing: check that it is up (and its url), or try again later; "
                        + "nothing from this read was loaded")
            }
            try await policy.sleep(wait)
        }
    }

    /// What to check after a refused request.
    private func advice(_ status: Int) -> String {
        switch status {
        case 401, 403: "Check the source's headers (a token or key may be wrong, expired or lack access)"
        case 404, 410: "Check the source's url"
        case 300..<400: "The API redirected without a usable Location; use the final address as the url"
        default: "The API refused the request: check the source's url, headers and since_param"
        }
    }

    // MARK: One exchange

    private struct Reply: Sendable {
        var status: Int
        var body: [UInt8]
        var links: [String]
        var retryAfter: String?
    }

    private struct TimedOut: Error {}

    private struct TooLarge: Error {
        var declared: Int?
    }

    /// One GET, its whole exchange (head and body) within `timeoutSeconds`.
    private func once(_ url: String) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if HTTPSourceURL.sameOrigin(url, manifestURL) {
            for header in headers { request.headers.replaceOrAdd(name: header.name, value: header.value) }
        }
        let limit = policy.maxBodyBytes
        let timeout = timeoutSeconds
        let client = client
        let prepared = request
        return try await withThrowingTaskGroup(of: Reply?.self) { group in
            group.addTask {
                let response = try await client.execute(prepared, timeout: .seconds(Int64(timeout)))
                if let declared = response.headers.first(name: "Content-Length").flatMap(Int.init), declared > limit {
                    throw TooLarge(declared: declared)
                }
                var body: [UInt8] = []
                for try await chunk in response.body {
                    guard body.count + chunk.readableBytes <= limit else { throw TooLarge() }
                    body.append(contentsOf: chunk.readableBytesView)
                }
                return Reply(
                    status: Int(response.status.code), body: body, links: response.headers["Link"],
                    retryAfter: response.headers.first(name: "Retry-After"))
            }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout) * 1_000_000_000)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let reply = first else { throw TimedOut() }
            return reply
        }
    }

    // MARK: Messages

    /// The API's own words from an error body: its `message`, `error` (text, or an object's
    /// `message`), `error_description`, `detail` or `title`; else the body's first 300 characters.
    /// Secrets the API may echo are redacted.
    func message(of body: [UInt8]) -> String {
        var text: String?
        if let json = try? HTTPJSONParser.parse(body) {
            for candidate in [json["message"], json["error"]?["message"], json["error"], json["error_description"], json["detail"], json["title"]] {
                if case let .string(value)? = candidate, !value.isEmpty {
                    text = value
                    break
                }
            }
        }
        let raw = text ?? String(decoding: body, as: UTF8.self)
        let collapsed = raw.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let short = collapsed.count > 300 ? String(collapsed.prefix(300)) + "…" : collapsed
        return short.isEmpty ? "(no message)" : scrub(short)
    }

    /// `text` without the manifest's header values (and their words after the first, which an API
    /// may echo alone: the token of `Bearer TOKEN`), the manifest URL's query values, or token patterns.
    func scrub(_ text: String) -> String {
        var secrets = Set<String>()
        for header in headers {
            secrets.insert(header.value)
            for word in header.value.split(separator: " ").dropFirst() { secrets.insert(String(word)) }
        }
        for value in HTTPSourceURL.queryValues(manifestURL) {
            secrets.insert(value)
            secrets.insert(HTTPSourceURL.encode(value))
        }
        var result = text
        for secret in secrets.filter({ $0.count >= ManifestSecrets.shortest }).sorted(by: { $0.count > $1.count }) where result.contains(secret) {
            result = result.replacing(secret, with: Secrets.marker)
        }
        return Secrets.redact(result)
    }
}
