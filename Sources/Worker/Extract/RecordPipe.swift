import Foundation

/// The hand-over between a streamed source's producer (asynchronous: a database connection, HTTP
/// pages) and the load's reader (a synchronous pull stream): the producer announces the columns,
/// sends batches, and finishes, with or without an error; the reader waits for each batch.
///
/// Bounded: at most `capacity` batches wait; a producer sending more is suspended until the reader
/// takes one, so memory stays flat however fast the source is. A reader that stops early cancels the
/// pipe, and the producer's next `send` throws `CancellationError`. An error the producer finishes
/// with reaches the reader after the batches sent before it, so a source failing mid-stream fails
/// the load (which then rolls back) instead of ending it early.
final class RecordPipe: @unchecked Sendable {
    // @unchecked: every stored `var` below is read and written only while `condition` is locked (the
    // one lock of the pipe); continuations are resumed after it is released.
    private let condition = NSCondition()
    private var columns: [String]?
    private var columnWaiters: [CheckedContinuation<[String], any Error>] = []
    private var queue: [RecordBatch] = []
    private var queueStart = 0
    private var finished = false
    private var failure: (any Error)?
    private var cancelled = false
    private var suspendedSender: CheckedContinuation<Void, any Error>?

    /// Batches that may wait for the reader.
    let capacity: Int

    /// A pipe holding at most `capacity` batches.
    init(capacity: Int = 4) {
        self.capacity = max(1, capacity)
    }

    // MARK: Producer

    /// Announces the source's column names (before the first batch).
    func start(columns names: [String]) {
        condition.lock()
        guard columns == nil else {
            condition.unlock()
            return
        }
        columns = names
        let waiters = columnWaiters
        columnWaiters = []
        condition.broadcast()
        condition.unlock()
        for waiter in waiters { waiter.resume(returning: names) }
    }

    /// Hands a batch to the reader, waiting while `capacity` batches are already waiting.
    /// Throws `CancellationError` once the reader stopped.
    func send(_ batch: RecordBatch) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            condition.lock()
            if cancelled || finished {
                condition.unlock()
                continuation.resume(throwing: CancellationError())
                return
            }
            queue.append(batch)
            condition.broadcast()
            if queue.count - queueStart < capacity {
                condition.unlock()
                continuation.resume()
            } else {
                suspendedSender = continuation
                condition.unlock()
            }
        }
    }

    /// Ends the stream: without an error the reader sees the end after the last batch; with one, the
    /// reader's next read after the last batch throws it. Later calls do nothing.
    func finish(throwing error: (any Error)? = nil) {
        condition.lock()
        guard !finished else {
            condition.unlock()
            return
        }
        finished = true
        failure = error
        let waiters = columnWaiters
        columnWaiters = []
        let sender = suspendedSender
        suspendedSender = nil
        condition.broadcast()
        condition.unlock()
        let ending = error ?? StreamEndedEarly()
        for waiter in waiters { waiter.resume(throwing: ending) }
        sender?.resume(throwing: CancellationError())
    }

    // MARK: Reader

    /// The source's column names, once the producer announced them; throws the producer's error when
    /// it finished without announcing them.
    func sourceColumns() async throws -> [String] {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<[String], any Error>) in
            condition.lock()
            if let columns {
                condition.unlock()
                continuation.resume(returning: columns)
            } else if finished || cancelled {
                let error = failure ?? StreamEndedEarly()
                condition.unlock()
                continuation.resume(throwing: error)
            } else {
                columnWaiters.append(continuation)
                condition.unlock()
            }
        }
    }

    /// The next batch, waiting for the producer (this blocks the calling thread); nil at the end;
    /// throws the error the producer finished with.
    func next() throws -> RecordBatch? {
        condition.lock()
        while queueStart == queue.count, !finished, !cancelled {
            condition.wait()
        }
        if queueStart < queue.count {
            let batch = queue[queueStart]
            queueStart += 1
            if queueStart == queue.count {
                queue.removeAll(keepingCapacity: true)
                queueStart = 0
            }
            let sender = suspendedSender
            suspendedSender = nil
            condition.unlock()
            sender?.resume()
            return batch
        }
        let error = cancelled ? CancellationError() : failure
        condition.unlock()
        if let error { throw error }
        return nil
    }

    /// Stops the stream from the reader's side: the producer's next `send` throws, and waiting
    /// batches are dropped.
    func cancel() {
        condition.lock()
        cancelled = true
        queue = []
        queueStart = 0
        let sender = suspendedSender
        suspendedSender = nil
        let waiters = columnWaiters
        columnWaiters = []
        condition.broadcast()
        condition.unlock()
        sender?.resume(throwing: CancellationError())
        for waiter in waiters { waiter.resume(throwing: CancellationError()) }
    }

    /// The producer finished before announcing its columns, without saying why.
    struct StreamEndedEarly: Error, CustomStringConvertible {
        var description: String { "the source ended before it said which columns it has" }
    }
}
