import Foundation
import Logging
import SluiceCore
import StateStore

/// The one throttled editor of a progress message, used by runs, reruns and backfills started from
/// Slack: the message is posted once through the outbox, then edited with `.update(target:)` at
/// most every `interval` seconds (by the injected clock), and once more, never held back, with the
/// outcome. Edits are enqueued inside the caller's transaction, so a backfill's record and its
/// message change together.
public struct ProgressEditor: Sendable {
    /// The default least time between two edits.
    public static let defaultInterval: TimeInterval = 3

    /// The channel the message was posted to.
    public let channel: String
    /// The outbox id of the posted message: the target of every edit.
    public let messageID: Int64
    /// The least time between two throttled edits.
    public let interval: TimeInterval
    /// When the message was last posted or edited.
    public private(set) var lastEdit: Date?

    /// An editor of the message `messageID` in `channel`, last written at `lastEdit` (nil: never
    /// edited by this process, so the first throttled edit is due at once).
    public init(channel: String, messageID: Int64, interval: TimeInterval = defaultInterval, lastEdit: Date? = nil) {
        self.channel = channel
        self.messageID = messageID
        self.interval = interval
        self.lastEdit = lastEdit
    }

    /// Posts `message` in `channel` inside `writer`'s transaction and returns its editor.
    public static func post(
        _ message: SlackMessage, channel: String, in writer: any StateWriter, at now: Date, interval: TimeInterval = defaultInterval
    ) throws -> ProgressEditor {
        let id = try writer.enqueue(channel: channel, action: .post(threadOf: nil), message: message, at: now)
        return ProgressEditor(channel: channel, messageID: id, interval: interval, lastEdit: now)
    }

    /// True when a throttled edit may be made at `now`.
    public func isDue(at now: Date) -> Bool {
        lastEdit.map { now.timeIntervalSince($0) >= interval } ?? true
    }

    /// Enqueues an edit of the message to `message` inside `writer`'s transaction. Call `edited(at:)`
    /// once that transaction committed.
    public func enqueueEdit(_ message: SlackMessage, in writer: any StateWriter, at now: Date) throws {
        _ = try writer.enqueue(channel: channel, action: .update(target: messageID), message: message, at: now)
    }

    /// Records a committed edit.
    public mutating func edited(at now: Date) {
        lastEdit = now
    }
}

/// Keeps the progress message of a run (or rerun) started from Slack up to date: posted when the
/// run is queued, edited as steps finish through a `ProgressEditor`, and edited a last time with
/// the outcome.
public actor RunProgressReporter: RunObserver {
    private let state: any StateStore
    private let clock: any WallClock
    private let logger: Logger
    private var editor: ProgressEditor

    private init(state: any StateStore, clock: any WallClock, logger: Logger, editor: ProgressEditor) {
        self.state = state
        self.clock = clock
        self.logger = logger
        self.editor = editor
    }

    /// Posts the progress message of a queued run in `channel` and returns the reporter that edits
    /// it; nil (logged) when the message could not be written, in which case the run goes on without one.
    public static func start(
        for run: RunRecord, channel: String, state: any StateStore, clock: any WallClock, logger: Logger,
        interval: TimeInterval = ProgressEditor.defaultInterval
    ) async -> RunProgressReporter? {
        let now = clock.now
        do {
            let editor = try await state.write { writer in
                try ProgressEditor.post(
                    ProgressMessages.run(run, steps: try writer.steps(runID: run.id), now: now), channel: channel, in: writer,
                    at: now, interval: interval)
            }
            return RunProgressReporter(state: state, clock: clock, logger: logger, editor: editor)
        } catch {
            logger.error("could not post a run's progress message", metadata: ["run": "\(run.id)", "error": "\(error)"])
            return nil
        }
    }

    /// A step finished: edits the message when the throttle allows.
    public func progressed(_ run: RunRecord, steps: [StepRecord]) async {
        let now = clock.now
        guard editor.isDue(at: now) else { return }
        await edit(ProgressMessages.run(run, steps: steps, now: now), at: now)
    }

    /// The run finished: edits the message with the outcome.
    public func finished(_ run: RunRecord, steps: [StepRecord]) async {
        let now = clock.now
        await edit(ProgressMessages.run(run, steps: steps, now: now), at: now)
    }

    /// Enqueues the edit; the write runs in its own task so a stopping server still records it.
    private func edit(_ message: SlackMessage, at now: Date) async {
        let (state, editor) = (self.state, self.editor)
        do {
            try await Task { try await state.write { try editor.enqueueEdit(message, in: $0, at: now) } }.value
            self.editor.edited(at: now)
        } catch {
            logger.error("could not edit a run's progress message", metadata: ["outbox": "\(editor.messageID)", "error": "\(error)"])
        }
    }
}
