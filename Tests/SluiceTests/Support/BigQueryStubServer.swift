import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// One request the stub received: method, path, decoded query items, headers (lowercased names)
/// and body.
struct StubRequest: Sendable {
    var method: String
    var path: String
    var query: [String: String]
    var headers: [String: String]
    var body: [UInt8]

    /// The body as UTF-8 text.
    var text: String { String(decoding: body, as: UTF8.self) }

    /// The body parsed as a JSON object (empty when it is not one).
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// A header by lowercased name.
    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

extension StubRequest {
    /// What `request` carried: method, path, query parameters, headers (repeated ones joined with
    /// `, `) and up to `limit` bytes of body.
    init(recording request: Request, upTo limit: Int) async throws {
        var request = request
        let bytes = try await request.collectBody(upTo: limit)
        var headers: [String: String] = [:]
        for field in request.headers {
            let name = field.name.canonicalName
            headers[name] = headers[name].map { $0 + ", " + field.value } ?? field.value
        }
        var query: [String: String] = [:]
        for item in URLComponents(string: request.uri.string)?.queryItems ?? [] {
            query[item.name] = item.value ?? ""
        }
        self.init(
            method: request.method.rawValue, path: request.uri.path, query: query, headers: headers,
            body: Array(bytes.readableBytesView))
    }
}

/// What the stub answers.
struct StubResponse: Sendable {
    var status: Int
    var headers: [(String, String)] = []
    var body: [UInt8] = []

    /// A JSON reply.
    static func json(_ status: Int = 200, _ text: String, headers: [(String, String)] = []) -> StubResponse {
        StubResponse(status: status, headers: [("Content-Type", "application/json")] + headers, body: Array(text.utf8))
    }

    /// A reply with BigQuery's error shape.
    static func error(_ status: Int, reason: String, message: String) -> StubResponse {
        json(status, #"{"error":{"code":\#(status),"message":"\#(message)","errors":[{"reason":"\#(reason)","message":"\#(message)","domain":"global"}]}}"#)
    }
}

/// A small HTTP server on loopback for auth and client tests: every request is recorded and
/// answered by a handler that also gets the request's sequence number (0-based).
final class BigQueryStubServer: Sendable {
    private let log = Mutex<[StubRequest]>([])
    private let handler: @Sendable (StubRequest, Int) async -> StubResponse

    init(handler: @escaping @Sendable (StubRequest, Int) async -> StubResponse) {
        self.handler = handler
    }

    /// Every request received so far, in order.
    var requests: [StubRequest] { log.withLock { $0 } }

    /// Requests whose path contains `fragment` and, when given, with `method`.
    func requests(path fragment: String, method: String? = nil) -> [StubRequest] {
        requests.filter { $0.path.contains(fragment) && (method == nil || $0.method == method) }
    }

    /// Runs the server while `body` runs; `body` gets the base URL (`http://127.0.0.1:port`).
    func run<Value: Sendable>(_ body: @Sendable (String) async throws -> Value) async throws -> Value {
        let responder = CallbackResponder<BasicRequestContext> { [self] request, _ in
            try await self.respond(request)
        }
        let app = Application(
            responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            logger: .init(label: "bigquery-stub")
        )
        return try await app.test(.live) { client in
            guard let port = client.port else { throw StubFailure(message: "the stub server has no port") }
            return try await body("http://127.0.0.1:\(port)")
        }
    }

    private func respond(_ request: Request) async throws -> Response {
        let recorded = try await StubRequest(recording: request, upTo: 64 * 1024 * 1024)
        let index = log.withLock { log in
            log.append(recorded)
            return log.count - 1
        }
        let reply = await handler(recorded, index)
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields.append(HTTPField(name: fieldName, value: value)) }
        }
        return Response(
            status: HTTPResponse.Status(code: reply.status), headers: fields,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: reply.body))
        )
    }
}

/// A failure in the stub's own set-up.
struct StubFailure: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
