import AsyncHTTPClient
import Foundation
import SluiceCore

/// Slack's message metadata as `chat.postMessage` takes it and `conversations.history` returns it
/// (with `include_all_metadata`): Sluice's `DeliveryMark`.
struct MessageMetadata: Codable, Sendable, Equatable {
    var eventType: String
    var eventPayload: Payload

    struct Payload: Codable, Sendable, Equatable {
        var store: String
        var outboxID: Int64

        private enum CodingKeys: String, CodingKey { case store, outboxID = "outbox_id" }

        init(store: String, outboxID: Int64) {
            self.store = store
            self.outboxID = outboxID
        }

        /// Reads `outbox_id` as a number or a numeric string (Slack keeps the JSON it was given).
        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            store = try c.decode(String.self, forKey: .store)
            if let number = try? c.decode(Int64.self, forKey: .outboxID) {
                outboxID = number
            } else {
                let text = try c.decode(String.self, forKey: .outboxID)
                guard let number = Int64(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .outboxID, in: c, debugDescription: "not an outbox id")
                }
                outboxID = number
            }
        }
    }

    private enum CodingKeys: String, CodingKey { case eventType = "event_type", eventPayload = "event_payload" }

    init(_ mark: DeliveryMark) {
        eventType = DeliveryMark.eventType
        eventPayload = Payload(store: mark.store, outboxID: mark.outboxID)
    }
}

/// A message in a `conversations.history` or `conversations.replies` page.
struct HistoryMessage: Decodable, Sendable {
    var ts: String
    var metadata: MessageMetadata?

    private enum CodingKeys: String, CodingKey { case ts, metadata }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ts = try c.decode(String.self, forKey: .ts)
        // Other apps' metadata has other payloads: it is simply not Sluice's.
        metadata = try? c.decodeIfPresent(MessageMetadata.self, forKey: .metadata)
    }
}

/// A conversation in a `conversations.list` page.
struct ConversationEntry: Decodable, Sendable {
    var id: String
    var name: String?
}

extension SlackWebClient {
    /// Pages of history read looking for a message (200 messages each), and of the channel list
    /// read looking for a channel's id (1,000 each).
    static let reconcilePages = 10

    /// Looks for the message carrying `mark` in the channel's history (or the thread's replies) from
    /// a minute before `since` on: `conversations.history` / `conversations.replies` with
    /// `include_all_metadata`, which need the `channels:history` and `groups:history` scopes. A
    /// channel name is turned into its id from `channelID`, this client's earlier posts, or
    /// `conversations.list` (`channels:read`, `groups:read`); a channel Slack does not list has no
    /// such message.
    public func findPosted(
        _ mark: DeliveryMark, channel: String, channelID: String?, threadTS: String?, since: Date
    ) async throws -> SlackPostedMessage? {
        guard let id = try await conversationID(channel, known: channelID) else { return nil }
        let wanted = MessageMetadata(mark)
        let method = threadTS == nil ? "conversations.history" : "conversations.replies"
        var cursor: String?
        for _ in 0..<Self.reconcilePages {
            var query = [
                ("channel", id), ("oldest", String(format: "%.6f", since.timeIntervalSince1970 - 60)), ("inclusive", "true"),
                ("include_all_metadata", "true"), ("limit", "200"),
            ]
            if let threadTS { query.append(("ts", threadTS)) }
            if let cursor { query.append(("cursor", cursor)) }
            let page = try await get(method, query)
            if let found = page.messages?.first(where: { $0.metadata == wanted }) {
                return SlackPostedMessage(channel: id, ts: found.ts)
            }
            guard page.hasMore == true, let next = page.nextCursor, !next.isEmpty else { return nil }
            cursor = next
        }
        return nil
    }

    /// The id of `channel`: given, already an id, learned from a post, or listed by Slack.
    private func conversationID(_ channel: String, known: String?) async throws -> String? {
        if let known { return known }
        let learned = await channels.id(for: channel)
        if Self.looksLikeConversationID(learned) { return learned }
        let name = channel.hasPrefix("#") ? String(channel.dropFirst()) : channel
        var cursor: String?
        for _ in 0..<Self.reconcilePages {
            var query = [("types", "public_channel,private_channel"), ("exclude_archived", "true"), ("limit", "1000")]
            if let cursor { query.append(("cursor", cursor)) }
            let page = try await get("conversations.list", query)
            if let found = page.conversations?.first(where: { $0.name == name }) {
                await channels.remember(channel, id: found.id)
                return found.id
            }
            guard let next = page.nextCursor, !next.isEmpty else { return nil }
            cursor = next
        }
        return nil
    }

    /// `C…`, `G…` or `D…` followed by upper-case letters and digits: a conversation id, not a name.
    static func looksLikeConversationID(_ text: String) -> Bool {
        guard let first = text.first, "CGD".contains(first), text.count >= 9 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    /// A Web API read method called with GET and a query string.
    private func get(_ method: String, _ query: [(String, String)]) async throws -> Reply {
        var components = URLComponents()
        components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
        var request = HTTPClientRequest(url: baseURL + method + (components.percentEncodedQuery.map { "?" + $0 } ?? ""))
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        return try await send(request, method: method)
    }
}
