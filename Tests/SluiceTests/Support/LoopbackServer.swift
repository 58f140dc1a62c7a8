import Hummingbird
import Logging

/// A Hummingbird server on 127.0.0.1 at a free port, for the tests' fakes and proxies: `run` starts
/// it, hands `body` its port once it listens, and stops it when `body` returns or throws.
enum LoopbackServer {
    /// The server did not start listening.
    struct NotStarted: Error, CustomStringConvertible {
        var label: String
        var description: String { "the \(label) server did not start" }
    }

    /// Serves `responder` while `body` runs. With `executor`, the server's tasks prefer it to Swift's
    /// cooperative pool (so loads blocking that pool cannot starve it).
    static func run<T>(
        label: String, executor: (any TaskExecutor)? = nil, responder: CallbackResponder<BasicRequestContext>,
        _ body: (Int) async throws -> T
    ) async throws -> T {
        let (ports, announce) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: label)
        logger.logLevel = .critical
        let app = Application(
            responder: responder, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                announce.yield(channel.localAddress?.port ?? 0)
                announce.finish()
            },
            logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask(executorPreference: executor) {
                defer { announce.finish() }
                try await app.runService(gracefulShutdownSignals: [])
            }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else { throw NotStarted(label: label) }
            return try await body(port)
        }
    }
}
