import Foundation

/// Runs background work (runs started from Slack, slow replies) as children of one long-lived task,
/// so that stopping the server cancels them instead of abandoning them.
public final class WorkQueue: Sendable {
    private let stream: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation

    /// Creates an empty queue; call `run()` from a service to start executing.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
    }

    /// Schedules `work`; it starts as soon as `run()` is running.
    public func submit(_ work: @escaping @Sendable () async -> Void) {
        continuation.yield(work)
    }

    /// Executes submitted work concurrently until cancelled; cancellation reaches every piece of work.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await work in stream {
                group.addTask { await work() }
            }
        }
    }

    /// Stops accepting work; `run()` returns once the submitted work is done.
    public func finish() {
        continuation.finish()
    }
}
