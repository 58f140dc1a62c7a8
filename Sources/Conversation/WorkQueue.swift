import Foundation
import Synchronization

/// Runs background work (runs started from Slack, slow replies) as children of one long-lived task,
/// at most `maxConcurrent` at a time, so that a burst of commands cannot exhaust the process and
/// stopping the server cancels the work instead of abandoning it. Once `finish()` is called the
/// queue accepts nothing more (`submit` says so, and the caller answers "restarting"), and `run()`
/// returns when the accepted work is done.
public final class WorkQueue: Sendable {
    /// The default bound: far above what two cores serve at once, far below what exhausts memory.
    public static let defaultMaxConcurrent = 64

    private let stream: AsyncStream<@Sendable () async -> Void>
    private let continuation: AsyncStream<@Sendable () async -> Void>.Continuation
    private let pending = Mutex(Pending())
    private let slots: Mutex<Slots>

    /// Work submitted and not finished yet, and who waits for there to be none.
    private struct Pending: ~Copyable {
        var count = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    /// Free places to run work, and the work waiting for one (in arrival order).
    private struct Slots: ~Copyable {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// Creates an empty queue; call `run()` from a service to start executing.
    public init(maxConcurrent: Int = WorkQueue.defaultMaxConcurrent) {
        (stream, continuation) = AsyncStream.makeStream(of: (@Sendable () async -> Void).self)
        slots = Mutex(Slots(free: max(1, maxConcurrent)))
    }

    /// Schedules `work`; it starts as soon as `run()` is running and a place is free. Returns false,
    /// and drops `work`, after `finish()` (the server is stopping).
    @discardableResult
    public func submit(_ work: @escaping @Sendable () async -> Void) -> Bool {
        pending.withLock { $0.count += 1 }
        if case .terminated = continuation.yield(work) {
            finished()
            return false
        }
        return true
    }

    /// Executes submitted work concurrently, at most `maxConcurrent` at once, until `finish()` (then
    /// returns when the accepted work is done) or cancellation (which reaches every piece of work).
    public func run() async {
        await withDiscardingTaskGroup { group in
            for await work in stream {
                await acquire()
                group.addTask {
                    await work()
                    self.release()
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

    /// Stops accepting work; `run()` returns once the accepted work is done.
    public func finish() {
        continuation.finish()
    }

    private func acquire() async {
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let now = slots.withLock { slots -> Bool in
                guard slots.free > 0 else {
                    slots.waiting.append(waiter)
                    return false
                }
                slots.free -= 1
                return true
            }
            if now { waiter.resume() }
        }
    }

    private func release() {
        let next = slots.withLock { slots -> CheckedContinuation<Void, Never>? in
            guard !slots.waiting.isEmpty else {
                slots.free += 1
                return nil
            }
            return slots.waiting.removeFirst()
        }
        next?.resume()
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
