import NIOCore
import NIOHTTP1

/// One HTTP request the client makes, before authentication and identification headers are added.
struct HTTPExchange: Sendable {
    var method: HTTPMethod
    var url: String
    var headers: [(String, String)] = []
    var body: ByteBuffer?
}

/// The answer to an `HTTPExchange`.
struct HTTPReply: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: ByteBuffer

    /// The body parsed as JSON (`.null` when empty or not JSON).
    var json: JSON {
        JSON.parse(body.readableBytesView) ?? .null
    }

    /// Whether the status is 2xx.
    var isSuccess: Bool { (200..<300).contains(status) }
}
