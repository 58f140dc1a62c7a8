import Foundation
import Logging
import SluiceCore
import StateStore
import Worker

/// The alert clock: announces the end of mutes in the threads of alerts still open (posting alerts
/// that opened while muted), and re-announces unacknowledged errors to their owners after
/// `slack.escalate_after`.
public struct AlertWatcher: Sendable {
    /// The manifest (owners, channels, escalation delay).
    public let manifest: Manifest
    /// Durable state.
    public let state: any StateStore
    /// Time source.
    public let clock: any WallClock
    /// Logger.
    public let logger: Logger

    /// Creates a watcher.
    public init(manifest: Manifest, state: any StateStore, clock: any WallClock, logger: Logger) {
        self.manifest = manifest
        self.state = state
        self.clock = clock
        self.logger = logger
    }

    /// One pass at `clock.now`; returns how many messages were enqueued.
    @discardableResult
    public func tick() async throws -> Int {
        let now = clock.now
        let manifest = self.manifest
        let recorder = AlertRecorder(manifest: manifest)
        return try await state.write { writer in
            var enqueued = 0
            let open = try writer.alerts(status: [.open, .acknowledged], limit: 1000)
            let mutes = try writer.activeMutes(at: now)
            for var mute in try writer.endedUnannouncedMutes(at: now) {
                for var alert in open where mute.covers(pipeline: alert.pipeline, check: alert.check, table: alert.table) {
                    guard !AlertLifecycle.isMuted(alert, by: mutes, at: now) else { continue }
                    let channel = recorder.channel(for: alert.pipeline)
                    if let original = alert.messageOutboxID {
                        _ = try writer.enqueue(
                            channel: channel, action: .post(threadOf: original),
                            message: AlertMessages.threadNote(":bell: The mute on `\(mute.target)` has ended; this alert is still open."),
                            at: now)
                    } else {
                        alert.messageOutboxID = try writer.enqueue(
                            channel: channel, action: .post(threadOf: nil), message: recorder.message(for: alert), at: now)
                        try writer.updateAlert(alert)
                    }
                    enqueued += 1
                }
                mute.endAnnouncedAt = now
                try writer.updateMute(mute)
            }
            let delay = manifest.slack.escalateAfter.timeInterval
            for var alert in open where alert.status == .open && alert.severity == .error && alert.escalatedAt == nil {
                guard let original = alert.messageOutboxID, now.timeIntervalSince(alert.openedAt) >= delay,
                      !AlertLifecycle.isMuted(alert, by: mutes, at: now) else { continue }
                let owners = manifest.owners(for: alert.pipeline)
                let who = owners.isEmpty ? "Nobody has" : Mentions.mentions(owners) + ": nobody has"
                _ = try writer.enqueue(
                    channel: recorder.channel(for: alert.pipeline), action: .post(threadOf: original),
                    message: AlertMessages.threadNote(":rotating_light: \(who) acknowledged this error for \(Format.duration(now.timeIntervalSince(alert.openedAt))). Press *Acknowledge* or reply `ack` here."),
                    at: now)
                alert.escalatedAt = now
                try writer.updateAlert(alert)
                enqueued += 1
            }
            return enqueued
        }
    }

    /// Ticks every `interval` until cancelled.
    public func run(every interval: TimeInterval = 30) async {
        while !Task.isCancelled {
            do {
                try await tick()
            } catch {
                logger.error("alert watcher pass failed", metadata: ["error": "\(error)"])
            }
            do {
                try await clock.sleep(until: clock.now.addingTimeInterval(interval))
            } catch {
                return
            }
        }
    }
}
