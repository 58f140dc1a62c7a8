import Foundation
import Synchronization

/// Runs background work (runs started from Slack, slow replies) as children of one long-lived task,
/// so that stopping the server cancels them instead of abandoning them.
public final class WorkQueue: Sendable {
    private let stream: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation
    private let pending = Mutex(Pending())

    /// Work submitted and not finished yet, and who waits for there to be none.
    private struct Pending: ~Copyable {
        var count = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Creates an empty queue; call `run()` from a service to start executing.
    public init() {
        (stream, continuation) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
    }

    /// Schedules `work`; it starts as soon as `run()` is running. Work submitted after `finish()` is dropped.
    public func submit(_ work: @escaping @Sendable () async -> Void) {
        pending.withLock { $0.count += 1 }
        if case .terminated = continuation.yield(work) { finished() }
    }

    /// Executes submitted work concurrently until cancelled; cancellation reaches every piece of work.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await work in stream {
                group.addTask {
                    await work()
                    self.finished()
                }
            }
        }
    }

    /// Returns once every piece of work submitted so far, and all the work it submitted in turn, has
    /// finished (at once when there is none). Needs `run()` to be running.
    public func idle() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let done = pending.withLock { state -> Bool in
                guard state.count > 0 else { return true }
                state.waiters.append(waiter)
                return false
            }
            if done { waiter.resume() }
        }
    }

    /// Stops accepting work; `run()` returns once the submitted work is done.
    public func finish() {
        continuation.finish()
    }

    private func finished() {
        let waiters = pending.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
            guard state.count == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}
