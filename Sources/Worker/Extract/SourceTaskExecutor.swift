import Dispatch

/// Runs the producers of streamed sources (database cursors, API pages) on threads of their own,
/// never on Swift's cooperative pool: a load reads a streamed source with blocking pulls on the
/// pool's threads (the warehouse's writer is synchronous), so a producer that needed one of those
/// threads could wait for ever behind the very loads that wait for it.
final class SourceTaskExecutor: TaskExecutor {
    /// The executor every streamed source's producer prefers.
    static let shared = SourceTaskExecutor()

    private let queue = DispatchQueue(label: "sluice.sources", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(on: self.asUnownedTaskExecutor())
        }
    }
}
