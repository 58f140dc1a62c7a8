import Conversation
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metrics
import SlackAPI
import SlackDelivery
import SluiceCore
import StateStore

/// Everything the `/slack/*` routes need.
public struct SlackSurface: Sendable {
    /// Verifies every request; nil when `SLACK_SIGNING_SECRET` is not set (every request is then refused).
    public var verifier: SlackRequestVerifier?
    /// Turns requests into actions and replies.
    public var conversation: Conversation
    /// Delivers replies.
    public var replies: any ReplyChannel
    /// Durable state (event dedupe).
    public var state: any StateStore
    /// Background work: everything slower than an acknowledgement.
    public var work: WorkQueue
    /// The bot's identity (its user id, to ignore its messages and strip its mention), known once
    /// the token check has succeeded or from `SLACK_BOT_USER_ID`.
    public var identity: SlackIdentity
    /// Time source.
    public var clock: any WallClock
    /// Logger.
    public var logger: Logger
    /// Publishes the App Home tab when a user opens it; nil in console mode.
    public var home: HomePublisher?

    /// Creates the surface.
    public init(
        verifier: SlackRequestVerifier?, conversation: Conversation, replies: any ReplyChannel, state: any StateStore,
        work: WorkQueue, identity: SlackIdentity, clock: any WallClock, logger: Logger, home: HomePublisher? = nil
    ) {
        self.verifier = verifier
        self.conversation = conversation
        self.replies = replies
        self.state = state
        self.work = work
        self.identity = identity
        self.clock = clock
        self.logger = logger
        self.home = home
    }

    /// The bot's own user id, once known.
    public var botUserID: String? { identity.botUserID }
}

/// The answer to a request that arrives while the server stops (its work queue accepts nothing more).
let restarting = CommandReply.note(":arrows_counterclockwise: Sluice is restarting; try again in a minute.")

/// Largest request body read from Slack; anything bigger is refused unread.
let slackBodyLimit = 256 * 1024

/// Adds `POST /slack/commands`, `/slack/events` and `/slack/interactions`. Every request is verified
/// first (401 and nothing executed otherwise), acknowledged at once, and anything slow continues on
/// the work queue and answers through `response_url` or the Web API.
public func addSlackRoutes(to router: Router<BasicRequestContext>, surface: SlackSurface) {
    let slack = router.group("slack")
    // The answers to `help` and `help COMMAND`, encoded once.
    var help: [String: ByteBuffer] = [:]
    for topic in surface.conversation.helpTopics {
        if let reply = surface.conversation.immediateReply(to: .help(topic: topic.isEmpty ? nil : topic)) {
            help[topic] = ByteBuffer(string: commandResponse(reply))
        }
    }
    let helpResponses = help
    // The exact texts that ask for those answers (`help`, `help run`, and none at all), each kept only
    // when the parser itself reads it as that request: such a text needs no parsing per request.
    var helpTexts: [String: ByteBuffer] = [:]
    for (topic, response) in help {
        for text in topic.isEmpty ? ["", "help"] : ["help \(topic)"] {
            guard case let .success(.help(parsed)) = surface.conversation.parse(text), parsed ?? "" == topic else { continue }
            helpTexts[text] = response
        }
    }
    let preparedTexts = helpTexts
    slack.post("commands") { request, _ -> Response in
        var request = request
        let body: ByteBuffer
        switch verifiedBody(try? await request.collectBody(upTo: slackBodyLimit), request, surface) {
        case let .rejected(response): return response
        case let .verified(bytes): body = bytes
        }
        let payload = body.withUnsafeReadableBytes { SlashCommandPayload(formBody: $0.assumingMemoryBound(to: UInt8.self)) }
        guard let command = payload else {
            return plain(.badRequest, "not a slash command payload")
        }
        if let prepared = preparedTexts[command.text] {
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: prepared))
        }
        // Parsed once here; the typed command travels on (the typed text only to the audit log).
        let parsed: SlashCommand
        switch surface.conversation.parse(command.text) {
        case let .failure(error): return json(commandResponse(surface.conversation.reply(to: error)))
        case let .success(slashCommand): parsed = slashCommand
        }
        if case let .help(topic) = parsed, let prepared = helpResponses[topic ?? ""] {
            return Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: prepared))
        }
        if let reply = surface.conversation.immediateReply(to: parsed) {
            return json(commandResponse(reply))
        }
        let requester = Requester(userID: command.userID, channelID: command.channelID)
        let accepted = surface.work.submit {
            let reply = await surface.conversation.handle(parsed, text: command.text, from: requester)
            await surface.replies.respond(reply, responseURL: command.responseURL, channel: command.channelID, user: command.userID)
        }
        return accepted ? Response(status: .ok) : json(commandResponse(restarting))
    }
    slack.post("events") { request, _ -> Response in
        var request = request
        let body: ByteBuffer
        switch verifiedBody(try? await request.collectBody(upTo: slackBodyLimit), request, surface) {
        case let .rejected(response): return response
        case let .verified(bytes): body = bytes
        }
        guard let envelope = try? JSONDecoder().decode(SlackEventEnvelope.self, from: Data(body.readableBytesView)) else {
            return plain(.badRequest, "not an Events API payload")
        }
        if envelope.type == "url_verification" {
            return json(#"{"challenge":"# + jsonString(envelope.challenge ?? "") + "}")
        }
        guard envelope.type == "event_callback", let event = envelope.event, let eventID = envelope.eventID else {
            return Response(status: .ok)
        }
        let now = surface.clock.now
        let isNew: Bool
        do {
            isNew = try await surface.state.write { try $0.markEventProcessed(eventID, at: now) }
        } catch {
            // Without the dedupe record the event could run twice on Slack's retry: skip it instead.
            surface.logger.error("could not record a Slack event id; the event was not processed", metadata: [
                "event_id": "\(eventID)", "error": "\(error)",
            ])
            return Response(status: .ok)
        }
        guard isNew else { return Response(status: .ok) }
        let accepted = surface.work.submit { await handleEvent(event, botUserID: surface.botUserID ?? envelope.botUserID, surface) }
        if !accepted {
            surface.logger.notice("Sluice is stopping: a Slack event was not handled", metadata: ["event_id": "\(eventID)"])
        }
        return Response(status: .ok)
    }
    slack.post("interactions") { request, _ -> Response in
        var request = request
        let body: String
        switch verifiedBody(try? await request.collectBody(upTo: slackBodyLimit), request, surface) {
        case let .rejected(response): return response
        case let .verified(bytes): body = String(buffer: bytes)
        }
        guard let payload = BlockActionsPayload.decode(formBody: body) else {
            return plain(.badRequest, "not an interaction payload")
        }
        guard payload.type == "block_actions" else { return Response(status: .ok) }
        // A button on a message is "on" that message's thread (its own, or the one it is in).
        let thread = payload.message.map { $0.threadTS ?? $0.ts }
        let requester = Requester(userID: payload.user.id, channelID: payload.channel?.id, threadTS: thread)
        // Slack sends one action per press: act on the first only, so a forged payload with thousands
        // of actions cannot fan out into thousands of replies (a response_url takes 5).
        guard let pressed = payload.actions.first else { return Response(status: .ok) }
        guard let action = ButtonAction(actionID: pressed.actionID, value: pressed.value ?? "") else {
            surface.logger.warning("ignored a button Sluice does not know", metadata: ["action_id": "\(pressed.actionID.prefix(100))"])
            return Response(status: .ok)
        }
        let accepted = surface.work.submit {
            guard let reply = await surface.conversation.handleAction(action, from: requester) else { return }
            await surface.replies.respond(reply, responseURL: payload.responseURL, channel: payload.channel?.id, user: payload.user.id)
        }
        if !accepted {
            await surface.replies.respond(restarting, responseURL: payload.responseURL, channel: payload.channel?.id, user: payload.user.id)
        }
        return Response(status: .ok)
    }
}

/// Thread replies in alert threads; App Home openings go to the Home publisher.
/// `botUserID` is the bot's own user: known at start, or from the event's `authorizations` while the
/// token check is still retrying.
private func handleEvent(_ event: SlackEvent, botUserID: String?, _ surface: SlackSurface) async {
    switch event.type {
    case "app_mention", "message":
        guard event.botID == nil, event.subtype == nil, let user = event.user, user != botUserID,
              let channel = event.channel, let thread = event.threadTS, let text = event.text
        else { return }
        let mentionsBot = botUserID.map { text.contains("<@\($0)>") } ?? false
        // A mention arrives twice (app_mention and message): act on the app_mention only.
        if event.type == "message", mentionsBot { return }
        let parsed = ThreadReply.parse(text, botUserID: botUserID)
        if event.type == "message", case .unknown = parsed { return }
        let requester = Requester(userID: user, channelID: channel, threadTS: thread)
        guard let reply = await surface.conversation.handleThreadReply(parsed, from: requester) else { return }
        await surface.replies.replyInThread(reply, channel: channel, threadTS: thread, user: user)
    case "app_home_opened":
        // HomePublisher remembers who opened Home (`HomePublisher.openedKey`) and publishes it.
        guard let user = event.user else { return }
        await surface.home?.opened(user: user)
    default:
        return
    }
}

private enum VerifiedBody {
    case verified(ByteBuffer)
    case rejected(Response)
}

/// Verifies Slack's signature over a request's body, read up to `slackBodyLimit` bytes (nil: it was larger).
private func verifiedBody(_ body: ByteBuffer?, _ request: Request, _ surface: SlackSurface) -> VerifiedBody {
    guard let verifier = surface.verifier else {
        Counter(label: "sluice_slack_rejected_total", dimensions: [("reason", "no_signing_secret")]).increment()
        return .rejected(plain(.unauthorized, "SLACK_SIGNING_SECRET is not configured"))
    }
    guard let buffer = body else {
        Counter(label: "sluice_slack_rejected_total", dimensions: [("reason", "bodyTooLarge")]).increment()
        return .rejected(plain(.unauthorized, "request refused"))
    }
    if let failure = verifier.verify(
        timestamp: request.headers[slackTimestamp], signature: request.headers[slackSignature],
        body: buffer.readableBytesView, now: surface.clock.now)
    {
        Counter(label: "sluice_slack_rejected_total", dimensions: [("reason", failure.rawValue)]).increment()
        return .rejected(plain(.unauthorized, "request refused"))
    }
    return .verified(buffer)
}

private let slackTimestamp = HTTPField.Name("X-Slack-Request-Timestamp")!
private let slackSignature = HTTPField.Name("X-Slack-Signature")!

/// The immediate JSON answer to a slash command.
private func commandResponse(_ reply: CommandReply) -> String {
    struct Body: Encodable {
        let response_type: String
        let text: String
        let blocks: [Block]
    }
    let message = MessageFitting.split(reply.message)[0]
    let body = Body(response_type: reply.ephemeral ? "ephemeral" : "in_channel", text: message.text, blocks: message.blocks)
    return (try? String(decoding: JSONEncoder().encode(body), as: UTF8.self)) ?? #"{"text":"(reply could not be encoded)"}"#
}

private func json(_ text: String) -> Response {
    Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

private func plain(_ status: HTTPResponse.Status, _ text: String) -> Response {
    Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
}

private func jsonString(_ text: String) -> String {
    (try? String(decoding: JSONEncoder().encode(text), as: UTF8.self)) ?? "\"\""
}
