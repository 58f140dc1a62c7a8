import Foundation
import Logging
import SluiceCore
import StateStore
import Worker

/// Keeps one progress message of a run started from Slack up to date: posted once through the
/// outbox when the run is queued, edited with `.update(target:)` as steps finish (at most every
/// `interval` seconds by the injected clock), and edited a last time with the outcome.
public actor RunProgressReporter: RunObserver {
    /// The default least time between two edits.
    public static let defaultInterval: TimeInterval = 3

    private let state: any StateStore
    private let clock: any WallClock
    private let logger: Logger
    private let channel: String
    private let messageID: Int64
    private let interval: TimeInterval
    private var lastEdit: Date

    private init(
        state: any StateStore, clock: any WallClock, logger: Logger, channel: String, messageID: Int64,
        interval: TimeInterval, postedAt: Date
    ) {
        self.state = state
        self.clock = clock
        self.logger = logger
        self.channel = channel
        self.messageID = messageID
        self.interval = interval
        self.lastEdit = postedAt
    }

    /// Posts the progress message of a queued run in `channel` and returns the reporter that edits
    /// it; nil (logged) when the message could not be written, in which case the run goes on without one.
    public static func start(
        for run: RunRecord, channel: String, state: any StateStore, clock: any WallClock, logger: Logger,
        interval: TimeInterval = defaultInterval
    ) async -> RunProgressReporter? {
        let now = clock.now
        do {
            let messageID = try await state.write { writer in
                let steps = try writer.steps(runID: run.id)
                return try writer.enqueue(
                    channel: channel, action: .post(threadOf: nil),
                    message: ProgressMessages.run(run, steps: steps, now: now), at: now)
            }
            return RunProgressReporter(
                state: state, clock: clock, logger: logger, channel: channel, messageID: messageID, interval: interval,
                postedAt: now)
        } catch {
            logger.error("could not post a run's progress message", metadata: ["run": "\(run.id)", "error": "\(error)"])
            return nil
        }
    }

    /// A step finished: edits the message when the last edit is at least `interval` old.
    public func progressed(_ run: RunRecord, steps: [StepRecord]) async {
        let now = clock.now
        guard now.timeIntervalSince(lastEdit) >= interval else { return }
        await edit(ProgressMessages.run(run, steps: steps, now: now), at: now)
    }

    /// The run finished: edits the message with the outcome.
    public func finished(_ run: RunRecord, steps: [StepRecord]) async {
        let now = clock.now
        await edit(ProgressMessages.run(run, steps: steps, now: now), at: now)
    }

    /// Enqueues the edit; the write runs in its own task so a stopping server still records it.
    private func edit(_ message: SlackMessage, at now: Date) async {
        let (state, channel, target) = (self.state, self.channel, self.messageID)
        do {
            try await Task {
                try await state.write { writer in
                    _ = try writer.enqueue(channel: channel, action: .update(target: target), message: message, at: now)
                }
            }.value
            lastEdit = now
        } catch {
            logger.error("could not edit a run's progress message", metadata: ["outbox": "\(target)", "error": "\(error)"])
        }
    }
}
