import Foundation
import Logging
import SlackAPI
import SluiceCore
import StateStore

/// Delivers the outbox: in id order within each channel, at most one message per `channelInterval`
/// per channel, retrying with exponential backoff (or Slack's `Retry-After`), and marking each entry
/// sent with the `ts` Slack returned. An entry is marked sent in the same step that learns its `ts`,
/// so a crash between posting and marking is the only window for a duplicate, and it is one message wide.
public actor OutboxSender {
    private let state: any StateStore
    private let messenger: any SlackMessenger
    private let clock: any WallClock
    private let logger: Logger
    private let channelInterval: TimeInterval
    private let maxAttempts: Int
    private var lastSent: [String: Date] = [:]

    /// Creates a sender. `channelInterval` is Slack's ~1 message per second per channel (0 in console mode).
    public init(
        state: any StateStore, messenger: any SlackMessenger, clock: any WallClock, logger: Logger,
        channelInterval: TimeInterval = 1.0, maxAttempts: Int = 8
    ) {
        self.state = state
        self.messenger = messenger
        self.clock = clock
        self.logger = logger
        self.channelInterval = channelInterval
        self.maxAttempts = maxAttempts
    }

    /// One pass over the pending entries in id order; returns how many were delivered. A channel whose
    /// oldest pending entry cannot be delivered yet (retry wait, rate limit, unsent parent) is skipped
    /// for the rest of the pass, so a channel's messages always arrive in the order they were written.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let now = clock.now
        let pending = try await state.read { try $0.outbox(state: .pending, limit: 500) }
        var blocked = Set<String>()
        var delivered = 0
        for entry in pending where !blocked.contains(entry.channel) {
            if entry.notBefore > now {
                blocked.insert(entry.channel)
                continue
            }
            if let last = lastSent[entry.channel], clock.now.timeIntervalSince(last) < channelInterval {
                blocked.insert(entry.channel)
                continue
            }
            if try await deliver(entry) {
                delivered += 1
                lastSent[entry.channel] = clock.now
            } else {
                blocked.insert(entry.channel)
            }
        }
        return delivered
    }

    /// Delivers until nothing is pending (used by one-shot commands like `sluice run`); entries
    /// waiting for a retry later than `deadline` are left for the server.
    public func drain(until deadline: Date) async throws {
        while clock.now < deadline {
            let pending = try await state.read { try $0.outbox(state: .pending, limit: 1) }
            guard !pending.isEmpty else { return }
            if try await deliverDue() == 0 {
                let next = try await state.read { try $0.outbox(state: .pending, limit: 1).first?.notBefore }
                guard let next, next <= deadline else { return }
                try await clock.sleep(until: max(next, clock.now.addingTimeInterval(min(channelInterval, 0.05))))
            }
        }
    }

    /// Delivers pending entries every `interval` until cancelled.
    public func run(every interval: TimeInterval = 0.25) async {
        while !Task.isCancelled {
            do {
                try await deliverDue()
            } catch {
                logger.error("outbox pass failed", metadata: ["error": "\(error)"])
            }
            do {
                try await clock.sleep(until: clock.now.addingTimeInterval(interval))
            } catch {
                return
            }
        }
    }

    private func deliver(_ entry: OutboxEntry) async throws -> Bool {
        do {
            switch entry.action {
            case let .post(threadOf):
                var threadTS: String?
                if let parentID = threadOf {
                    switch try await resolvedTS(of: parentID) {
                    case .waiting: return false
                    case let .ts(ts, _): threadTS = ts
                    case .gone: threadTS = nil
                    }
                }
                let posted = try await messenger.post(channel: entry.channel, message: entry.message, threadTS: threadTS)
                try await state.write { try $0.markSent(outboxID: entry.id, ts: posted.ts, channelID: posted.channel) }
            case let .update(target):
                switch try await resolvedTS(of: target) {
                case .waiting:
                    return false
                case .gone:
                    try await state.write { try $0.markFailed(outboxID: entry.id, error: "the message to edit was never delivered") }
                    return false
                case let .ts(ts, channelID):
                    try await messenger.update(channel: channelID ?? entry.channel, ts: ts, message: entry.message)
                    try await state.write { try $0.markSent(outboxID: entry.id, ts: ts, channelID: channelID) }
                }
            }
            return true
        } catch let error as SlackDeliveryError {
            try await recordFailure(entry, error: error)
            return false
        }
    }

    private enum ParentTS { case ts(String, channelID: String?), waiting, gone }

    private func resolvedTS(of outboxID: Int64) async throws -> ParentTS {
        guard let parent = try await state.read({ try $0.outboxEntry(id: outboxID) }) else { return .gone }
        switch parent.state {
        case .sent: return parent.ts.map { ParentTS.ts($0, channelID: parent.channelID) } ?? .gone
        case .pending: return .waiting
        case .failed: return .gone
        }
    }

    private func recordFailure(_ entry: OutboxEntry, error: SlackDeliveryError) async throws {
        let attempts = entry.attempts + 1
        if error.retryable, attempts < maxAttempts {
            let backoff = error.retryAfter ?? min(300, pow(2, Double(attempts)) + Double.random(in: 0...1))
            let notBefore = clock.now.addingTimeInterval(backoff)
            logger.warning("slack delivery will be retried", metadata: [
                "outbox": "\(entry.id)", "channel": "\(entry.channel)", "error": "\(error)", "in": "\(backoff)s",
            ])
            try await state.write { try $0.markRetry(outboxID: entry.id, error: error.description, notBefore: notBefore) }
        } else {
            logger.error("slack delivery failed", metadata: ["outbox": "\(entry.id)", "channel": "\(entry.channel)", "error": "\(error)"])
            try await state.write { try $0.markFailed(outboxID: entry.id, error: error.description) }
        }
    }
}
