import Dispatch
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// A reviews API on loopback for the HTTP source's tests: a real HTTP server (Hummingbird on
/// 127.0.0.1, a free port, stopped when the test's body ends) serving a dataset the test mutates between runs,
/// paginated in each style the source knows, honouring `updated_since`, failing a page on demand, and
/// recording every request (headers and decoded query).
///
/// Routes (`STYLE/reviews`), all ordered by `(updated_at, id)` and filtered by `updated_since`
/// (inclusive) when it is sent:
/// - `/v1/next_url/reviews`: `{"data": […], "links": {"next": "http://HOST/v1/next_url/reviews?after=N"}}`;
/// - `/v1/link/reviews`: `[…]` with `Link: </v1/link/reviews?after=N>; rel="next", <…>; rel="first"`
///   (relative targets, two links in one header);
/// - `/v1/cursor/reviews`: `{"data": […], "meta": {"next_cursor": "cN"}}`, next page with `?cursor=cN`;
/// - `/v1/page/reviews?page=N`: `{"data": […]}` from page 1, an empty page after the last;
/// - `/v1/offset/reviews?offset=O&limit=L`: `{"data": […]}`, `L` records from `O`.
/// The first three styles serve `pageSize` records per page. On `next_url`, `link` and `cursor`
/// follow-ups `updated_since` is not repeated by the API: the position token carries the filter.
///
/// The server runs on threads of its own (`HTTPReviewsAPI.Executor`), not Swift's cooperative pool:
/// a load reads its source with blocking pulls on the pool's threads, and on a two-core machine two
/// parallel loads would otherwise hold every thread the server needs to answer them.
final class HTTPReviewsAPI: Sendable {
    /// A reply in place of page `page` (1-based) while `remaining` > 0.
    struct Fault: Sendable {
        var page: Int
        var status: Int
        var body: String
        var headers: [(String, String)] = []
        var remaining = Int.max
    }

    private struct State {
        var reviews: [Int: [String: Any]] = [:]
        var raw: [Int: String] = [:]
        var pageSize = 100
        var fault: Fault?
        var pageHits: [Int: Int] = [:]
        var log: [StubRequest] = []
        var baseURL = ""
    }

    /// The server's state; `Mutex` keeps the JSON values (`[String: Any]`) to one task at a time.
    private final class Box: Sendable {
        let state = Mutex(State())
    }

    private let box = Box()

    init() {}

    // MARK: The dataset

    /// Adds or replaces review `id`; `extra` adds or replaces keys, each value given as JSON text.
    func upsert(_ id: Int, updatedAt: String, day: String? = nil, body: String? = nil, extra: [String: String] = [:]) {
        box.state.withLock { state in
            var review: [String: Any] = [
                "id": id, "rating": id % 5 + 1, "score": Double(id) + 0.25, "verified": id % 2 == 0,
                "body": body ?? "Review \(id)", "updated_at": updatedAt, "review_date": day ?? String(updatedAt.prefix(10)),
                "author": ["name": "Author \(id)", "id": 1_000 + id, "address": ["city": "City \(id % 3)"]] as [String: Any],
                "tags": ["t\(id % 2)", "x"], "note": NSNull(),
            ]
            for (key, text) in extra {
                review[key] = (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) ?? NSNull()
            }
            state.reviews[id] = review
            state.raw[id] = nil
        }
    }

    /// Puts raw JSON text in place of record `id` (an invalid record: a number, a string).
    func upsertRaw(_ id: Int, updatedAt: String, json: String) {
        upsert(id, updatedAt: updatedAt)
        box.state.withLock { $0.raw[id] = json }
    }

    /// Removes every review.
    func removeAll() {
        box.state.withLock { $0.reviews = [:]; $0.raw = [:] }
    }

    /// `count` reviews, ids 1…count, one minute apart from 2026-03-01 10:00:00, days spread over 2026-03-01…03.
    func seed(_ count: Int) {
        for id in 1...count {
            upsert(id, updatedAt: Self.time(minute: id), day: "2026-03-0\(id % 3 + 1)")
        }
    }

    /// `2026-03-01 10:00:00` plus `minute` minutes.
    static func time(minute: Int) -> String {
        let date = Date(timeIntervalSince1970: 1_772_359_200 + Double(minute) * 60)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: date)
    }

    /// Records per page in the next_url, link and cursor styles.
    func setPageSize(_ size: Int) {
        box.state.withLock { $0.pageSize = size }
    }

    /// Makes page `fault.page` answer `fault` (nil: no fault).
    func setFault(_ fault: Fault?) {
        box.state.withLock { $0.fault = fault }
    }

    /// Requests received for each page number since the last `resetHits`.
    func hits(page: Int) -> Int {
        box.state.withLock { $0.pageHits[page] ?? 0 }
    }

    func resetHits() {
        box.state.withLock { $0.pageHits = [:] }
    }

    /// Every request received, in order.
    var requests: [StubRequest] { box.state.withLock { $0.log } }

    /// Runs the server while `body` runs; `body` gets the base URL (`http://127.0.0.1:PORT`).
    func run<Value: Sendable>(_ body: @Sendable (String) async throws -> Value) async throws -> Value {
        let box = box
        let responder = CallbackResponder<BasicRequestContext> { request, _ in try await Self.respond(request, box) }
        return try await LoopbackServer.run(label: "reviews API", executor: Executor.shared, responder: responder) { port in
            let base = "http://127.0.0.1:\(port)"
            box.state.withLock { $0.baseURL = base }
            return try await body(base)
        }
    }

    /// Runs the server's tasks on threads of a dispatch queue rather than the cooperative pool.
    final class Executor: TaskExecutor {
        static let shared = Executor()
        private let queue = DispatchQueue(label: "reviews-api", attributes: .concurrent)

        func enqueue(_ job: consuming ExecutorJob) {
            let job = UnownedJob(job)
            queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    /// Records `request` and answers it.
    private static func respond(_ request: Request, _ box: Box) async throws -> Response {
        let recorded = try await StubRequest(recording: request, upTo: 1024 * 1024)
        box.state.withLock { $0.log.append(recorded) }
        let reply = respond(recorded, box)
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body)))
    }

    // MARK: Serving

    private static func respond(_ request: StubRequest, _ box: Box) -> StubResponse {
        let parts = request.path.split(separator: "/").map(String.init)
        guard parts.count == 3, parts[0] == "v1", parts[2] == "reviews" else {
            return .json(404, #"{"message":"no such route"}"#)
        }
        let style = parts[1]
        return box.state.withLock { state -> StubResponse in
            let since = request.query["updated_since"]
            var all = state.reviews.values.sorted {
                let (a, b) = (($0["updated_at"] as? String) ?? "", ($1["updated_at"] as? String) ?? "")
                return a == b ? ($0["id"] as? Int ?? 0) < ($1["id"] as? Int ?? 0) : a < b
            }
            var offset = 0
            var size = state.pageSize
            var filter = since
            switch style {
            case "next_url", "link":
                if let after = request.query["after"] {
                    let token = after.split(separator: "~", maxSplits: 1).map(String.init)
                    offset = Int(token[0]) ?? 0
                    filter = token.count > 1 ? token[1] : nil
                }
            case "cursor":
                if let cursor = request.query["cursor"] {
                    let token = cursor.dropFirst().split(separator: "~", maxSplits: 1).map(String.init)
                    offset = Int(token[0]) ?? 0
                    filter = token.count > 1 ? token[1] : nil
                }
            case "page":
                let page = Int(request.query["page"] ?? "") ?? 1
                offset = (page - 1) * size
            case "offset":
                offset = Int(request.query["offset"] ?? "") ?? 0
                size = Int(request.query["limit"] ?? "") ?? 100
            default:
                return .json(404, #"{"message":"no such style"}"#)
            }
            if let filter { all = all.filter { (($0["updated_at"] as? String) ?? "") >= filter } }
            let page = offset / max(size, 1) + 1
            state.pageHits[page, default: 0] += 1
            if var fault = state.fault, fault.page == page, fault.remaining > 0 {
                fault.remaining -= 1
                state.fault = fault
                return .json(fault.status, fault.body, headers: fault.headers)
            }
            let slice = Array(all.dropFirst(offset).prefix(size))
            let records = "[" + slice.map { review in
                let id = review["id"] as? Int ?? 0
                return state.raw[id] ?? String(decoding: (try? JSONSerialization.data(withJSONObject: review, options: [.sortedKeys])) ?? Data(), as: UTF8.self)
            }.joined(separator: ",") + "]"
            let nextOffset = offset + slice.count
            let more = nextOffset < all.count
            let token = "\(nextOffset)" + (filter.map { "~" + $0 } ?? "")
            let base = state.baseURL
            switch style {
            case "next_url":
                let next = more ? "\"\(base)/v1/next_url/reviews?after=\(escape(token))\"" : "null"
                return .json(200, #"{"data":\#(records),"links":{"next":\#(next)}}"#)
            case "link":
                var links = [#"</v1/link/reviews>; rel="first""#]
                if more { links.insert(#"</v1/link/reviews?after=\#(escape(token))>; rel="next"; title="next, page""#, at: 0) }
                return .json(200, records, headers: [("Link", links.joined(separator: ", "))])
            case "cursor":
                let next = more ? "\"c\(token)\"" : "null"
                return .json(200, #"{"data":\#(records),"meta":{"next_cursor":\#(next)}}"#)
            default:
                return .json(200, #"{"data":\#(records)}"#)
            }
        }
    }

    private static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
    }
}
