import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import Synchronization

/// A proxy in front of `fake-gcs-server` on `127.0.0.1` (a free port) that passes every request
/// through, except downloads of the objects named in `cut`: those send half the object's bytes
/// under the full `Content-Length` and then drop the connection, as a network failure does
/// mid-stream (the emulator cannot do that itself).
final class GCSCuttingProxy: Sendable {
    private let upstream: String
    private let cut = Mutex<Set<String>>([])
    private let cutDownloads = Mutex(0)

    private init(upstream: String) {
        self.upstream = upstream
    }

    /// Cuts every download of these object names from now on (empty: none).
    func cutDownloads(of names: Set<String>) {
        cut.withLock { $0 = names }
    }

    /// How many downloads were cut so far.
    var downloadsCut: Int { cutDownloads.withLock { $0 } }

    /// Runs `body` with a proxy to `upstream` listening, and stops it afterwards; `body` gets the
    /// proxy and its base URL.
    static func run<T>(upstream: String, _ body: (GCSCuttingProxy, String) async throws -> T) async throws -> T {
        let proxy = GCSCuttingProxy(upstream: upstream)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await proxy.forward(request)
        }
        return try await LoopbackServer.run(label: "Cloud Storage cutting proxy", responder: responder) { port in
            try await body(proxy, "http://127.0.0.1:\(port)")
        }
    }

    private struct Cut: Error {}

    private func forward(_ request: Request) async throws -> Response {
        var outgoing = HTTPClientRequest(url: upstream + request.uri.string)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers {
            outgoing.headers.add(name: field.name.canonicalName, value: field.value)
        }
        let body = try await request.body.collect(upTo: 64 << 20)
        if body.readableBytes > 0 { outgoing.body = .bytes(body) }
        let response = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        var fields = HTTPFields()
        for header in response.headers where header.name.lowercased() != "content-length" {
            if let name = HTTPField.Name(header.name) { fields.append(HTTPField(name: name, value: header.value)) }
        }
        let status = HTTPResponse.Status(code: Int(response.status.code))
        let path = request.uri.path
        let names = cut.withLock { $0 }
        let isCut = request.method == .get && path.hasPrefix("/download/")
            && names.contains { path.removingPercentEncoding?.hasSuffix("/o/" + $0) == true }
        guard isCut, response.status == .ok else {
            return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: bytes))
        }
        cutDownloads.withLock { $0 += 1 }
        let half = bytes.getSlice(at: bytes.readerIndex, length: bytes.readableBytes / 2) ?? ByteBuffer()
        return Response(
            status: status, headers: fields,
            body: ResponseBody(contentLength: bytes.readableBytes) { writer in
                try await writer.write(half)
                throw Cut()
            })
    }
}
