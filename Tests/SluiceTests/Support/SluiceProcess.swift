import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// `sluice serve` as its own process (the executable `swift build` and `swift test` build beside the
/// test bundle), for what only a real process shows: `kill -9`, restarts, a server with its own cores.
final class SluiceProcess: Sendable {
    struct NotStarted: Error, CustomStringConvertible {
        let description: String
    }

    /// The built executable, or a failure saying how to build it.
    static func executable() throws -> String {
        let path = Bundle.module.bundleURL.deletingLastPathComponent().appendingPathComponent("sluice").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw NotStarted(description: "the sluice executable is not at \(path): run `swift build` (then `swift test`)")
        }
        return path
    }

    let port: Int
    private let process: ChildProcess

    private init(port: Int, process: ChildProcess) {
        self.port = port
        self.process = process
    }

    /// Starts `sluice serve` in `directory` with `environment` (plus `SLUICE_HOST`/`SLUICE_PORT`) and
    /// returns once `/healthz` answers; its output is appended to `log`.
    static func start(environment: [String: String], directory: String, log: String) async throws -> SluiceProcess {
        let port = try PostgresServer.freePort()
        let process = try ChildProcess.spawn(
            [try executable(), "serve"],
            environment: environment.merging(["SLUICE_HOST": "127.0.0.1", "SLUICE_PORT": String(port)]) { $1 },
            directory: directory, output: log)
        let started = SluiceProcess(port: port, process: process)
        try await started.waitUntilHealthy(log: log)
        return started
    }

    /// `kill -9`.
    func kill() {
        process.signal(SIGKILL)
    }

    /// Returns once the process has exited, with its status.
    @discardableResult
    func waitForExit() async -> Int32 {
        await process.waitForExit()
    }

    /// SIGTERM, then waits for the exit.
    func stop() async {
        process.signal(SIGTERM)
        await waitForExit()
    }

    /// Runs `body`, then stops the server however `body` ended (a failing test leaves no server behind).
    func stopping<T>(after body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }

    /// The body of `GET path` on the server.
    func get(_ path: String) async throws -> String {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .GET
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return String(buffer: try await response.body.collect(upTo: 4 << 20))
    }

    /// Posts `body` to `path` on the server.
    func post(_ path: String, body: String, headers: [(String, String)]) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return Int(response.status.code)
    }

    /// Polls `/healthz` every 20 ms (at most 60 s) until it answers 200.
    private func waitUntilHealthy(log: String) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/healthz")
            request.method = .GET
            if let response = try? await HTTPClient.shared.execute(request, timeout: .seconds(2)), response.status == .ok { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        kill()
        let output = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        throw NotStarted(description: "sluice serve did not answer /healthz within 60 s; its output:\n\(output.suffix(2000))")
    }
}
