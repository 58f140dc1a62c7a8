import Foundation
import Logging
import SlackAPI
import SluiceCore
import StateStore

/// Delivers the outbox: in id order within each channel, at most one message per `channelInterval`
/// per channel, and marking each entry sent with the `ts` Slack returned. An entry is marked sent in
/// the same step that learns its `ts`, so a crash between posting and marking is the only window for
/// a duplicate, and it is one message wide.
///
/// A failed delivery is judged by its `DeliveryVerdict`: a passing problem (Slack down, the network,
/// a rate limit) and a setup problem (token, scopes) are retried for as long as it takes, with
/// capped, jittered backoff, or after Slack's `Retry-After` (which is not a failed attempt); only a
/// message Slack refuses for good is marked failed, with its reason, and announced once per channel
/// and reason in `announceChannel`. An edit that a later pending edit of the same message replaces is
/// not sent at all, so a backlog after an outage drains as one edit per message, not a flood.
public actor OutboxSender {
    private let state: any StateStore
    private let messenger: any SlackMessenger
    private let clock: any WallClock
    private let logger: Logger
    private let channelInterval: TimeInterval
    private let backoff: RetryBackoff
    private let announceChannel: String?
    private var lastSent: [String: Date] = [:]
    private var announced: Set<String> = []
    private var storeIdentity: String?

    /// Creates a sender. `channelInterval` is Slack's ~1 message per second per channel (0 in console
    /// mode); refusals are announced in `announceChannel` (the manifest's default channel).
    public init(
        state: any StateStore, messenger: any SlackMessenger, clock: any WallClock, logger: Logger,
        channelInterval: TimeInterval = 1.0, backoff: RetryBackoff = .slackDelivery, announceChannel: String? = nil
    ) {
        self.state = state
        self.messenger = messenger
        self.clock = clock
        self.logger = logger
        self.channelInterval = channelInterval
        self.backoff = backoff
        self.announceChannel = announceChannel
    }

    /// One pass over the pending entries in id order; returns how many were delivered. A channel whose
    /// oldest pending entry cannot be delivered yet (retry wait, rate limit, unsent parent) is skipped
    /// for the rest of the pass, so a channel's messages always arrive in the order they were written.
    @discardableResult
    public func deliverDue() async throws -> Int {
        let now = clock.now
        let pending = try await state.read { try $0.outbox(state: .pending, limit: 500) }
        var latestEdit: [Int64: Int64] = [:]
        for entry in pending {
            if case let .update(target) = entry.action { latestEdit[target] = entry.id }
        }
        var blocked = Set<String>()
        var delivered = 0
        for entry in pending where !blocked.contains(Self.lane(entry)) {
            let lane = Self.lane(entry)
            if entry.notBefore > now {
                blocked.insert(lane)
                continue
            }
            if case let .update(target) = entry.action, let latest = latestEdit[target], latest != entry.id {
                try await state.write { try $0.markSuperseded(outboxID: entry.id, by: latest) }
                continue
            }
            if let last = lastSent[lane], clock.now.timeIntervalSince(last) < channelInterval {
                blocked.insert(lane)
                continue
            }
            if try await deliver(entry) {
                delivered += 1
                lastSent[lane] = clock.now
            } else {
                blocked.insert(lane)
            }
        }
        return delivered
    }

    /// The queue an entry waits in: its channel's, so that a channel's messages keep their order;
    /// answers to requests wait in their own, neither held up by alerts nor holding them up.
    private static func lane(_ entry: OutboxEntry) -> String {
        if case .reply = entry.action { return "reply\u{0}" + entry.channel }
        return entry.channel
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
            } catch is CancellationError {
                return
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
                let posted = try await post(entry, threadTS: threadTS)
                try await state.write { try $0.markSent(outboxID: entry.id, ts: posted.ts, channelID: posted.channel) }
            case let .update(target):
                switch try await resolvedTS(of: target) {
                case .waiting:
                    return false
                case .gone:
                    try await state.write {
                        try $0.markFailed(
                            outboxID: entry.id, reason: "target_not_delivered",
                            error: "the message to edit was never delivered, so there is nothing to edit")
                    }
                    return false
                case let .ts(ts, channelID):
                    try await messenger.update(channel: channelID ?? entry.channel, ts: ts, message: entry.message)
                    try await state.write { try $0.markSent(outboxID: entry.id, ts: ts, channelID: channelID) }
                }
            case let .reply(destination):
                let ts = try await answer(entry, to: destination)
                try await state.write { try $0.markSent(outboxID: entry.id, ts: ts ?? "", channelID: nil) }
            }
            return true
        } catch let error as SlackDeliveryError {
            try await recordFailure(entry, error: error)
            return false
        }
    }

    /// Posts `entry` exactly once: marked as being sent first, carrying its `DeliveryMark`, and, when
    /// an earlier attempt may have reached Slack (a crash or a timeout before its answer was
    /// recorded), looked for in the channel's history first and adopted when found.
    private func post(_ entry: OutboxEntry, threadTS: String?) async throws -> SlackPostedMessage {
        let mark = DeliveryMark(store: try await storeID(), outboxID: entry.id)
        if let since = entry.sendingSince {
            do {
                let known = try await state.read { try $0.knownChannelID(for: entry.channel) }
                if let found = try await messenger.findPosted(
                    mark, channel: entry.channel, channelID: entry.channelID ?? known, threadTS: threadTS, since: since)
                {
                    logger.notice("found an outbox message in Slack that a crash or timeout left unrecorded; not posting it again", metadata: [
                        "outbox": "\(entry.id)", "channel": "\(entry.channel)", "ts": "\(found.ts)",
                    ])
                    return found
                }
            } catch let error as SlackDeliveryError where !error.retryable {
                // Without the history scopes Sluice cannot tell; posting again risks a duplicate,
                // waiting risks never: it posts, and says what to add.
                logger.warning("could not look for a possibly posted message; posting it (it may appear twice)", metadata: [
                    "outbox": "\(entry.id)", "error": "\(error)",
                    "fix": "add the channels:history, groups:history, channels:read and groups:read scopes (sluice slack-manifest)",
                ])
            }
        }
        let now = clock.now
        try await state.write { try $0.markSending(outboxID: entry.id, at: now) }
        return try await messenger.post(channel: entry.channel, message: entry.message, threadTS: threadTS, mark: mark)
    }

    /// Delivers a kept answer: through its `response_url` while Slack honours it, else straight to
    /// the user (ephemeral) or the channel. Returns the `ts` of a posted message.
    private func answer(_ entry: OutboxEntry, to destination: InteractiveReply) async throws -> String? {
        let fresh = clock.now.timeIntervalSince(entry.createdAt) < InteractiveReply.responseURLLifetime
        if let url = destination.responseURL, fresh {
            do {
                try await messenger.respond(to: url, message: entry.message, ephemeral: destination.ephemeral, replaceOriginal: false)
                return nil
            } catch let error as SlackDeliveryError where ["used_url", "expired_url", "invalid_response_url"].contains(error.code) {
                logger.notice("a response_url no longer takes answers; answering the user directly", metadata: ["outbox": "\(entry.id)"])
            }
        }
        if destination.ephemeral {
            try await messenger.postEphemeral(channel: entry.channel, user: destination.user, message: entry.message, threadTS: destination.threadTS)
            return nil
        }
        return try await messenger.post(channel: entry.channel, message: entry.message, threadTS: destination.threadTS, mark: nil).ts
    }

    /// This state store's id, the `store` of every `DeliveryMark`: made once and kept in the store.
    private func storeID() async throws -> String {
        if let storeIdentity { return storeIdentity }
        let id = try await state.write { writer in
            if let existing = try writer.setting(Self.storeKey) { return existing }
            let made = UUID().uuidString.lowercased()
            try writer.setSetting(Self.storeKey, value: made)
            return made
        }
        storeIdentity = id
        return id
    }

    /// The settings key of `storeID()`.
    static let storeKey = "outbox.store_id"

    private enum ParentTS { case ts(String, channelID: String?), waiting, gone }

    private func resolvedTS(of outboxID: Int64) async throws -> ParentTS {
        guard let parent = try await state.read({ try $0.outboxEntry(id: outboxID) }) else { return .gone }
        switch parent.state {
        case .sent: return parent.ts.map { ParentTS.ts($0, channelID: parent.channelID) } ?? .gone
        case .pending: return .waiting
        case .failed, .superseded: return .gone
        }
    }

    private func recordFailure(_ entry: OutboxEntry, error: SlackDeliveryError) async throws {
        let metadata: Logger.Metadata = ["outbox": "\(entry.id)", "channel": "\(entry.channel)", "error": "\(error)"]
        switch error.verdict {
        case let .retry(after: retryAfter?):
            logger.notice("slack asked to wait before delivering", metadata: metadata.merging(["in": "\(retryAfter)s"]) { $1 })
            try await retry(entry, error: error, in: retryAfter, countsAsAttempt: false)
        case .retry(after: nil):
            let wait = backoff.delay(afterAttempt: entry.attempts + 1, unitRandom: Double.random(in: 0...1))
            logger.warning("slack delivery will be retried", metadata: metadata.merging(["in": "\(Int(wait.rounded(.up)))s"]) { $1 })
            try await retry(entry, error: error, in: wait, countsAsAttempt: true)
        case .waitForOperator:
            let wait = backoff.delay(afterAttempt: entry.attempts + 1, unitRandom: Double.random(in: 0...1))
            logger.error(
                "slack refuses every message until the app is fixed; the message waits in the outbox",
                metadata: metadata.merging(["in": "\(Int(wait.rounded(.up)))s"]) { $1 })
            try await retry(entry, error: error, in: wait, countsAsAttempt: true)
        case .refused:
            logger.error("slack refused a message for good; it is marked failed", metadata: metadata)
            let announcement = announcement(for: entry, error: error)
            let now = clock.now
            try await state.write { writer in
                try writer.markFailed(outboxID: entry.id, reason: error.code, error: error.description)
                if let (channel, message) = announcement {
                    _ = try writer.enqueue(channel: channel, action: .post(threadOf: nil), message: message, at: now)
                }
            }
        }
    }

    private func retry(_ entry: OutboxEntry, error: SlackDeliveryError, in wait: TimeInterval, countsAsAttempt: Bool) async throws {
        let notBefore = clock.now.addingTimeInterval(wait)
        try await state.write {
            try $0.markRetry(
                outboxID: entry.id, error: error.description, notBefore: notBefore, countsAsAttempt: countsAsAttempt,
                mayHaveBeenPosted: error.mayHaveTakenEffect)
        }
    }

    /// The announcement of a refusal: once per channel and reason while this process runs, never
    /// about the announcement channel itself (it could not be delivered there either).
    /// An edit Slack refuses (the message was deleted, …) loses nothing and is only logged.
    private func announcement(for entry: OutboxEntry, error: SlackDeliveryError) -> (String, SlackMessage)? {
        guard case .post = entry.action, let announceChannel, entry.channel != announceChannel, entry.channelID != announceChannel else { return nil }
        guard announced.insert(entry.channel + "\u{0}" + error.code).inserted else { return nil }
        return (announceChannel, DeliveryMessages.refused(
            channel: entry.channel, reason: error.code, explanation: error.message, preview: entry.message.text))
    }
}
