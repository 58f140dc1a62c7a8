import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import SluiceCore

/// Slack's Web API over HTTPS: `chat.postMessage`, `chat.update`, `chat.postEphemeral`,
/// `views.publish`, `usergroups.users.list`, and replies through a `response_url`. Every call has a
/// deadline; failures are `SlackDeliveryError`s naming Slack's error and what to do. The token is
/// sent only to the Web API base URL and never appears in errors, logs or descriptions.
public struct SlackWebClient: SlackMessenger, CustomStringConvertible, CustomReflectable {
    let token: String
    /// The Web API base (`SLACK_API_URL`), ending in `/`.
    public let baseURL: String
    private let httpClient: HTTPClient
    /// The deadline given to each call.
    public let timeout: TimeAmount
    private let logger: Logger
    let channels = SlackChannelDirectory()

    /// Largest reply read from Slack.
    private static let maxReplyBytes = 4 * 1024 * 1024

    /// Creates a client with the bot token (`SLACK_BOT_TOKEN`) and the Web API base (`SLACK_API_URL`).
    public init(
        token: String, baseURL: String = "https://slack.com/api/", httpClient: HTTPClient = SlackWebClient.sharedHTTPClient,
        timeout: TimeAmount = .seconds(10), logger: Logger
    ) {
        self.token = token
        self.baseURL = baseURL.hasSuffix("/") ? baseURL : baseURL + "/"
        self.httpClient = httpClient
        self.timeout = timeout
        self.logger = logger
    }

    /// Names the base URL, never the token.
    public var description: String { "SlackWebClient(\(baseURL))" }

    /// Hides the token from `dump` and debuggers.
    public var customMirror: Mirror { Mirror(self, children: ["baseURL": baseURL]) }

    // MARK: Web API methods

    /// `chat.postMessage`, in the thread `threadTS` when set; returns where the message landed: the
    /// channel id (also when `channel` is a name) and its `ts`. Later edits of this client to
    /// `channel` use the learned id.
    public func post(channel: String, message: SlackMessage, threadTS: String?, mark: DeliveryMark? = nil) async throws -> SlackPostedMessage {
        let reply = try await call(
            "chat.postMessage",
            body: MessageBody(
                channel: channel, text: message.text, blocks: message.blocks.isEmpty ? nil : message.blocks, threadTS: threadTS,
                metadata: mark.map(MessageMetadata.init)))
        guard let ts = reply.ts else { throw SlackErrorGuidance.unreadableReply(method: "chat.postMessage", host: host(of: baseURL)) }
        let id = reply.channel ?? channel
        await channels.remember(channel, id: id)
        return SlackPostedMessage(channel: id, ts: ts)
    }

    /// `chat.update`: replaces the text and blocks of the message `ts` (an empty `blocks` removes the
    /// old ones). `channel` may be the name the message was posted to by this client.
    public func update(channel: String, ts: String, message: SlackMessage) async throws {
        let id = await channels.id(for: channel)
        _ = try await call("chat.update", body: UpdateBody(channel: id, ts: ts, text: message.text, blocks: message.blocks))
    }

    /// `chat.postEphemeral`: a message only `user` sees, in `channel` (and the thread `threadTS`).
    public func postEphemeral(channel: String, user: String, message: SlackMessage, threadTS: String?) async throws {
        _ = try await call(
            "chat.postEphemeral",
            body: EphemeralBody(
                channel: channel, user: user, text: message.text, blocks: message.blocks.isEmpty ? nil : message.blocks,
                threadTS: threadTS))
    }

    /// `views.publish`: sets `user`'s App Home tab to `blocks`.
    public func publishHome(user: String, blocks: [Block]) async throws {
        _ = try await call("views.publish", body: PublishBody(userID: user, view: HomeView(blocks: blocks)))
    }

    /// `usergroups.users.list`: the user ids in the user group `groupID` (`S…`).
    public func userGroupMembers(_ groupID: String) async throws -> [String] {
        var components = URLComponents()
        components.queryItems = [URLQueryItem(name: "usergroup", value: groupID)]
        var request = HTTPClientRequest(url: baseURL + "usergroups.users.list" + (components.percentEncodedQuery.map { "?" + $0 } ?? ""))
        request.method = .GET
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        return try await send(request, method: "usergroups.users.list").users ?? []
    }

    /// `auth.test`: checks the token and returns the bot's own user id (to ignore its own messages
    /// and recognise its mention in threads).
    public func botUserID() async throws -> String {
        struct Empty: Encodable {}
        let reply = try await call("auth.test", body: Empty())
        guard let user = reply.userID else {
            throw SlackErrorGuidance.unreadableReply(method: "auth.test", host: host(of: baseURL))
        }
        return user
    }

    /// Replies through an interaction's `response_url` (no token needed or sent): `ephemeral` shows it
    /// only to the user, `replaceOriginal` replaces the message that held the button or command.
    public func respond(to responseURL: String, message: SlackMessage, ephemeral: Bool, replaceOriginal: Bool) async throws {
        guard let url = URL(string: responseURL), let scheme = url.scheme?.lowercased(), scheme == "https" || scheme == "http",
            url.host != nil
        else {
            throw SlackDeliveryError(
                code: "invalid_response_url", message: "the response_url is not an http(s) URL: reply with chat.postMessage instead",
                retryable: false)
        }
        let body = ResponseBody(
            text: message.text, blocks: message.blocks.isEmpty ? nil : message.blocks,
            responseType: ephemeral ? "ephemeral" : "in_channel", replaceOriginal: replaceOriginal)
        var request = HTTPClientRequest(url: responseURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.body = .bytes(try Self.encode(body))
        let reply = try await exchange(request, method: "response_url", host: host(of: responseURL))
        if reply.status == 429 || reply.status >= 500 {
            throw SlackErrorGuidance.httpError(method: "response_url", status: reply.status, retryAfter: reply.retryAfter)
        }
        let json = try? JSONDecoder().decode(Reply.self, from: reply.body)
        if (200..<300).contains(reply.status), json?.ok != false { return }
        let text = String(decoding: reply.body.prefix(64), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        let code = json?.error ?? (text.allSatisfy { $0.isLetter || $0 == "_" } && !text.isEmpty ? text : "http_\(reply.status)")
        throw SlackErrorGuidance.error(method: "response_url", code: code, needed: nil, details: json?.details ?? [], retryAfter: nil)
    }

    // MARK: Wire

    func call(_ method: String, body: some Encodable) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + method)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "Authorization", value: "Bearer " + token)
        request.body = .bytes(try Self.encode(body))
        return try await send(request, method: method)
    }

    func send(_ request: HTTPClientRequest, method: String) async throws -> Reply {
        let reply = try await exchange(request, method: method, host: host(of: baseURL))
        if reply.status == 429 || reply.status >= 500 {
            throw SlackErrorGuidance.httpError(method: method, status: reply.status, retryAfter: reply.retryAfter)
        }
        guard let json = try? JSONDecoder().decode(Reply.self, from: reply.body) else {
            if reply.status == 200 { throw SlackErrorGuidance.unreadableReply(method: method, host: host(of: baseURL)) }
            throw SlackErrorGuidance.httpError(method: method, status: reply.status, retryAfter: reply.retryAfter)
        }
        guard json.ok else {
            let error = SlackErrorGuidance.error(
                method: method, code: json.error ?? "unknown_error", needed: json.needed, details: json.details,
                retryAfter: reply.retryAfter)
            logger.debug("slack refused a call", metadata: ["method": "\(method)", "error": "\(error.code)"])
            throw error
        }
        if let warning = json.warning {
            logger.debug("slack warned", metadata: ["method": "\(method)", "warning": "\(Secrets.redact(warning))"])
        }
        return json
    }

    private struct HTTPReply {
        var status: Int
        var retryAfter: TimeInterval?
        var body: Data
    }

    /// One HTTP exchange within the deadline; transport failures become retryable delivery errors.
    private func exchange(_ request: HTTPClientRequest, method: String, host: String) async throws -> HTTPReply {
        let deadline = NIODeadline.now() + timeout
        do {
            let response = try await httpClient.execute(request, deadline: deadline)
            let body = try await response.body.collect(upTo: Self.maxReplyBytes)
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) }
            logger.debug("slack call", metadata: ["method": "\(method)", "status": "\(response.status.code)"])
            return HTTPReply(status: Int(response.status.code), retryAfter: retryAfter, body: Data(body.readableBytesView))
        } catch let error as CancellationError {
            throw error
        } catch {
            let timedOut = (error as? HTTPClientError).map {
                [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains($0)
            } ?? false
            let failure = SlackErrorGuidance.transportError(method: method, host: host, error: error, timedOut: timedOut)
            logger.debug("slack call failed", metadata: ["method": "\(method)", "error": "\(failure.code)"])
            throw failure
        }
    }

    func host(of url: String) -> String {
        URL(string: url)?.host ?? "Slack"
    }

    private static func encode(_ body: some Encodable) throws -> Data {
        do {
            return try JSONEncoder().encode(body)
        } catch {
            throw SlackDeliveryError(
                code: "unencodable_message", message: "the message could not be encoded as JSON (\(error)): please report this as a bug",
                retryable: false)
        }
    }

    // MARK: Bodies and replies

    private struct MessageBody: Encodable {
        var channel: String
        var text: String
        var blocks: [Block]?
        var threadTS: String?
        var metadata: MessageMetadata?
        enum CodingKeys: String, CodingKey { case channel, text, blocks, threadTS = "thread_ts", metadata }
    }

    private struct UpdateBody: Encodable {
        var channel: String
        var ts: String
        var text: String
        var blocks: [Block]
    }

    private struct EphemeralBody: Encodable {
        var channel: String
        var user: String
        var text: String
        var blocks: [Block]?
        var threadTS: String?
        enum CodingKeys: String, CodingKey { case channel, user, text, blocks, threadTS = "thread_ts" }
    }

    private struct HomeView: Encodable {
        var type = "home"
        var blocks: [Block]
    }

    private struct PublishBody: Encodable {
        var userID: String
        var view: HomeView
        enum CodingKeys: String, CodingKey { case userID = "user_id", view }
    }

    private struct ResponseBody: Encodable {
        var text: String
        var blocks: [Block]?
        var responseType: String
        var replaceOriginal: Bool
        enum CodingKeys: String, CodingKey {
            case text, blocks, responseType = "response_type", replaceOriginal = "replace_original"
        }
    }

    /// The fields of Slack's replies Sluice reads; others are ignored.
    struct Reply: Decodable {
        var ok: Bool
        var error: String?
        var warning: String?
        var needed: String?
        var channel: String?
        var ts: String?
        var users: [String]?
        var userID: String?
        var details: [String]
        /// `conversations.history` / `conversations.replies`: the page's messages.
        var messages: [HistoryMessage]?
        /// `conversations.list`: the page's conversations.
        var conversations: [ConversationEntry]?
        /// Another page follows (history).
        var hasMore: Bool?
        /// The cursor of the next page, empty or absent on the last.
        var nextCursor: String?

        private enum CodingKeys: String, CodingKey {
            case ok, error, warning, needed, channel, ts, users, errors, responseMetadata = "response_metadata"
            case userID = "user_id", messages, conversations = "channels", hasMore = "has_more"
        }

        private enum MetadataKeys: String, CodingKey { case messages, nextCursor = "next_cursor" }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            ok = try c.decode(Bool.self, forKey: .ok)
            error = try? c.decodeIfPresent(String.self, forKey: .error)
            warning = try? c.decodeIfPresent(String.self, forKey: .warning)
            needed = try? c.decodeIfPresent(String.self, forKey: .needed)
            channel = try? c.decodeIfPresent(String.self, forKey: .channel)
            userID = try? c.decodeIfPresent(String.self, forKey: .userID)
            ts = try? c.decodeIfPresent(String.self, forKey: .ts)
            users = try? c.decodeIfPresent([String].self, forKey: .users)
            let errors = (try? c.decodeIfPresent([String].self, forKey: .errors)) ?? []
            let metadata = try? c.nestedContainer(keyedBy: MetadataKeys.self, forKey: .responseMetadata)
            let messages = (try? metadata?.decodeIfPresent([String].self, forKey: .messages)) ?? []
            details = errors + messages
            nextCursor = try? metadata?.decodeIfPresent(String.self, forKey: .nextCursor)
            self.messages = try? c.decodeIfPresent([HistoryMessage].self, forKey: .messages)
            conversations = try? c.decodeIfPresent([ConversationEntry].self, forKey: .conversations)
            hasMore = try? c.decodeIfPresent(Bool.self, forKey: .hasMore)
        }
    }
}
