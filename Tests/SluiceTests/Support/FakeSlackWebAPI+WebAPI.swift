import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

// What the fake answers: Slack's Web API methods and `response_url`s, served over HTTP. The
// workspace they answer from and change is the state in `FakeSlackWebAPI.swift`.

extension FakeSlackWebAPI {
    // MARK: HTTP

    /// What the fake answers.
    private struct Reply: Sendable {
        var status: HTTPResponse.Status = .ok
        var headers: [String: String] = [:]
        var body: String

        static func json(_ value: JSON, status: HTTPResponse.Status = .ok) -> Reply {
            Reply(status: status, headers: ["Content-Type": "application/json; charset=utf-8"], body: value.encoded())
        }

        static func error(_ name: String, extra: [String: JSON] = [:], status: HTTPResponse.Status = .ok) -> Reply {
            json(.object(["ok": .bool(false), "error": .string(name)].merging(extra) { $1 }), status: status)
        }
    }

    nonisolated func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.post("api/:name") { request, context in
            try await self.serve(request, context: context) { method, headers, body in
                await self.api(method: method, headers: headers, body: body)
            }
        }
        router.get("api/:name") { request, context in
            try await self.serve(request, context: context) { method, headers, body in
                await self.api(method: method, headers: headers, body: body)
            }
        }
        router.post("response/:name") { request, context in
            try await self.serve(request, context: context) { id, headers, body in
                await self.response(id: id, headers: headers, body: body)
            }
        }
        return router
    }

    private nonisolated func serve(
        _ request: Request, context: BasicRequestContext,
        _ handle: @Sendable (String, [String: String], ReceivedBody) async -> Reply
    ) async throws -> Response {
        let name = context.parameters.get("name") ?? ""
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let bytes = try await request.body.collect(upTo: 8 * 1024 * 1024)
        let body = ReceivedBody(
            bytes: Array(bytes.readableBytesView), query: request.uri.query ?? "",
            contentType: headers["content-type"] ?? "")
        let reply = await handle(name, headers, body)
        var fields = HTTPFields()
        for (name, value) in reply.headers {
            if let fieldName = HTTPField.Name(name) { fields[fieldName] = value }
        }
        return Response(status: reply.status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(string: reply.body)))
    }

    /// A request body with its query string and content type.
    private struct ReceivedBody: Sendable {
        let bytes: [UInt8]
        let query: String
        let contentType: String

        /// The JSON object (for a JSON body) or the form and query fields, or nil for malformed JSON.
        func decoded() -> JSON? {
            var fields = FormURLEncodedFields.parse(query)
            if contentType.lowercased().hasPrefix("application/json") {
                guard let json = JSON.parse(bytes), case let .object(object) = json else { return nil }
                return .object(fields.mapValues(JSON.string).merging(object) { $1 })
            }
            fields.merge(FormURLEncodedFields.parse(String(decoding: bytes, as: UTF8.self))) { $1 }
            return .object(fields.mapValues(JSON.string))
        }
    }

    /// Form decoding for the fake's own use (independent of the code under test).
    private enum FormURLEncodedFields {
        static func parse(_ text: String) -> [String: String] {
            var fields: [String: String] = [:]
            for pair in text.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                let decode: (Substring) -> String = {
                    $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
                }
                fields[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
            }
            return fields
        }
    }

    // MARK: Web API

    private func api(method: String, headers: [String: String], body raw: ReceivedBody) async -> Reply {
        guard let body = raw.decoded() else {
            record(method, .null, headers, error: "invalid_json")
            return .error("invalid_json")
        }
        let reply = answer(method: method, headers: headers, body: body)
        record(method, body, headers, error: reply.error)
        if method == "chat.postMessage", reply.error == nil, let action = nextPostAction {
            nextPostAction = nil
            await action()
        }
        return reply.reply
    }

    private func answer(method: String, headers: [String: String], body: JSON) -> (reply: Reply, error: String?) {
        if let outage { return scripted(outage) }
        let bearer = headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let presented = bearer ?? body["token"]?.string, !presented.isEmpty else { return failed("not_authed") }
        guard presented == token else { return failed("invalid_auth") }
        if var queue = failures[method], !queue.isEmpty {
            let failure = queue.removeFirst()
            failures[method] = queue
            if case .serverErrorAfterEffect = failure, method == "chat.postMessage" { _ = postMessage(body) }
            return scripted(failure)
        }
        switch method {
        case "chat.postMessage": return postMessage(body)
        case "chat.update": return update(body)
        case "chat.postEphemeral": return postEphemeral(body)
        case "views.publish": return publish(body)
        case "usergroups.users.list": return userGroupUsers(body)
        case "conversations.history": return history(body)
        case "conversations.replies": return threadReplies(body)
        case "conversations.list": return conversationList()
        case "auth.test":
            return (.json(.object([
                "ok": .bool(true), "url": .string("https://example.slack.com/"), "team": .string("Example"),
                "user": .string("sluice"), "team_id": .string("T0001"), "user_id": .string(Self.botUserID),
                "bot_id": .string(Self.botID),
            ])), nil)
        default: return failed("unknown_method")
        }
    }

    private func failed(_ error: String, extra: [String: JSON] = [:]) -> (reply: Reply, error: String?) {
        (.error(error, extra: extra), error)
    }

    private func scripted(_ failure: Failure) -> (reply: Reply, error: String?) {
        switch failure {
        case let .rateLimited(seconds):
            return (Reply(status: .tooManyRequests, headers: ["Retry-After": "\(seconds)", "Content-Type": "application/json; charset=utf-8"],
                          body: JSON.object(["ok": .bool(false), "error": .string("ratelimited")]).encoded()), "ratelimited")
        case let .error(name):
            return failed(name)
        case let .missingScope(scope):
            return failed("missing_scope", extra: ["needed": .string(scope), "provided": .string("chat:write")])
        case .serverError, .serverErrorAfterEffect:
            return (Reply(status: .serviceUnavailable, headers: ["Content-Type": "text/html"], body: "<html>Service Unavailable</html>"), "http_503")
        }
    }

    /// Checks the channel exists and the app may post there; returns its id.
    private func postableChannel(_ body: JSON) -> Result<String, FakeRefusal> {
        guard let channel = body["channel"]?.string, !channel.isEmpty else { return .failure(FakeRefusal("channel_not_found")) }
        let id = channelID(for: channel)
        if let error = channelErrors[Self.normalized(channel)] ?? channelErrors[id] { return .failure(FakeRefusal(error)) }
        return .success(id)
    }

    /// Checks `text` and `blocks` like Slack: something to show, text within 40,000 characters, blocks within Block Kit's rules.
    private func content(_ body: JSON, blockLimit: Int = 50, required: Bool = true) -> Result<(text: String?, blocks: JSON?), FakeRefusal> {
        let text = body["text"]?.string
        var blocks = body["blocks"]
        if case let .string(encoded)? = blocks {
            guard let parsed = JSON.parse(Array(encoded.utf8)) else { return .failure(FakeRefusal("invalid_blocks_format")) }
            blocks = parsed
        }
        let hasBlocks = blocks?.array.map { !$0.isEmpty } ?? false
        if required, (text ?? "").isEmpty, !hasBlocks { return .failure(FakeRefusal("no_text")) }
        if let text, text.count > 40_000 { return .failure(FakeRefusal("msg_too_long")) }
        if let blocks {
            let problems = BlockKitRules.problems(blocks: blocks, limit: blockLimit, pointer: "/blocks")
            if !problems.isEmpty { return .failure(FakeRefusal("invalid_blocks", problems: problems)) }
        }
        return .success((text, blocks))
    }

    private func postMessage(_ body: JSON) -> (reply: Reply, error: String?) {
        let channel: String
        let content: (text: String?, blocks: JSON?)
        switch (postableChannel(body), self.content(body)) {
        case let (.failure(refusal), _), let (_, .failure(refusal)): return refused(refusal)
        case let (.success(id), .success(checked)): (channel, content) = (id, checked)
        }
        let threadTS = body["thread_ts"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        let ts = nextTS()
        let message = Message(
            channel: channel, ts: ts, threadTS: threadTS.map { messagesByKey[Self.key(channel, $0)]?.threadTS ?? $0 },
            text: content.text ?? "", blocks: content.blocks ?? .array([]), edits: 0, textHistory: [content.text ?? ""],
            deleted: false, metadata: metadata(body))
        messagesByKey[Self.key(channel, ts)] = message
        messageOrder.append(Self.key(channel, ts))
        return (.json(.object(["ok": .bool(true), "channel": .string(channel), "ts": .string(ts), "message": messageJSON(message)])), nil)
    }

    private func update(_ body: JSON) -> (reply: Reply, error: String?) {
        guard let channel = body["channel"]?.string, Self.isConversationID(channel) else { return failed("channel_not_found") }
        if let error = channelErrors[channel] { return failed(error) }
        guard let ts = body["ts"]?.string, var message = messagesByKey[Self.key(channel, ts)], !message.deleted else {
            return failed("message_not_found")
        }
        let content: (text: String?, blocks: JSON?)
        switch self.content(body) {
        case let .failure(refusal): return refused(refusal)
        case let .success(checked): content = checked
        }
        if let text = content.text { message.text = text }
        if let blocks = content.blocks { message.blocks = blocks }
        message.edits += 1
        message.textHistory.append(message.text)
        messagesByKey[Self.key(channel, ts)] = message
        return (.json(.object([
            "ok": .bool(true), "channel": .string(channel), "ts": .string(ts), "text": .string(message.text),
            "message": messageJSON(message),
        ])), nil)
    }

    private func postEphemeral(_ body: JSON) -> (reply: Reply, error: String?) {
        let channel: String
        let content: (text: String?, blocks: JSON?)
        switch (postableChannel(body), self.content(body)) {
        case let (.failure(refusal), _), let (_, .failure(refusal)): return refused(refusal)
        case let (.success(id), .success(checked)): (channel, content) = (id, checked)
        }
        guard let user = body["user"]?.string, !user.isEmpty else { return failed("user_not_found") }
        ephemeralMessages.append(Ephemeral(
            channel: channel, user: user, threadTS: body["thread_ts"]?.string, text: content.text ?? "",
            blocks: content.blocks ?? .array([])))
        return (.json(.object(["ok": .bool(true), "message_ts": .string(nextTS())])), nil)
    }

    private func publish(_ body: JSON) -> (reply: Reply, error: String?) {
        guard let user = body["user_id"]?.string, !user.isEmpty else {
            return failed("invalid_arguments", extra: ["response_metadata": .object(["messages": .array([.string("[ERROR] missing required field: user_id")])])])
        }
        var view = body["view"]
        if case let .string(encoded)? = view { view = JSON.parse(Array(encoded.utf8)) }
        guard let view, view["type"]?.string == "home", let blocks = view["blocks"] else {
            return failed("invalid_arguments", extra: ["response_metadata": .object(["messages": .array([.string("[ERROR] view must be of type home [json-pointer:/view/type]")])])])
        }
        let problems = BlockKitRules.problems(blocks: blocks, limit: 100, pointer: "/view/blocks")
        guard problems.isEmpty else {
            return failed("invalid_arguments", extra: ["response_metadata": .object(["messages": .array(problems.map { .string("[ERROR] " + $0) })])])
        }
        homeViews[user] = view
        sequence += 1
        return (.json(.object([
            "ok": .bool(true),
            "view": .object(["id": .string(String(format: "V0FAKE%04d", sequence)), "type": .string("home"), "blocks": blocks]),
        ])), nil)
    }

    private func userGroupUsers(_ body: JSON) -> (reply: Reply, error: String?) {
        guard let group = body["usergroup"]?.string, let members = userGroups[group] else { return failed("no_such_subteam") }
        return (.json(.object(["ok": .bool(true), "users": .array(members.map(JSON.string))])), nil)
    }

    // MARK: response_url

    private func response(id: String, headers: [String: String], body raw: ReceivedBody) -> Reply {
        let (reply, error, body) = responseAnswer(id: id, raw: raw)
        record("response_url", body, headers, responseURLID: id, error: error)
        return reply
    }

    private func responseAnswer(id: String, raw: ReceivedBody) -> (Reply, String?, JSON) {
        guard let body = JSON.parse(raw.bytes), case .object = body else {
            return (.error("invalid_payload", status: .badRequest), "invalid_payload", .null)
        }
        if let outage {
            let (reply, error) = scripted(outage)
            return (reply, error, body)
        }
        if var queue = failures["response_url"], !queue.isEmpty {
            let failure = queue.removeFirst()
            failures["response_url"] = queue
            let (reply, error) = scripted(failure)
            return (reply, error, body)
        }
        if expiredResponseURLs.contains(id) { return (.error("expired_url", status: .notFound), "expired_url", body) }
        let uses = responseUses[id, default: 0]
        guard uses < 5 else { return (.error("used_url", status: .notFound), "used_url", body) }
        responseUses[id] = uses + 1
        if body["delete_original"]?.bool == true, let target = responseTargets[id] {
            messagesByKey[Self.key(target.channel, target.ts)]?.deleted = true
            return (.json(.object(["ok": .bool(true)])), nil, body)
        }
        switch content(body) {
        case let .failure(refusal):
            return (.error(refusal.error, extra: refusal.extra, status: .badRequest), refusal.error, body)
        case let .success(checked):
            if body["replace_original"]?.bool == true, let target = responseTargets[id],
                var message = messagesByKey[Self.key(target.channel, target.ts)]
            {
                if let text = checked.text { message.text = text }
                message.blocks = checked.blocks ?? .array([])
                message.edits += 1
                message.textHistory.append(message.text)
                messagesByKey[Self.key(target.channel, target.ts)] = message
            }
            return (.json(.object(["ok": .bool(true)])), nil, body)
        }
    }

    // MARK: Helpers

    /// An `ok:false` answer with Slack's explanations.
    private struct FakeRefusal: Error {
        let error: String
        let problems: [String]

        init(_ error: String, problems: [String] = []) {
            self.error = error
            self.problems = problems
        }

        var extra: [String: JSON] {
            guard !problems.isEmpty else { return [:] }
            return [
                "errors": .array(problems.map(JSON.string)),
                "response_metadata": .object(["messages": .array(problems.map { .string("[ERROR] " + $0) })]),
            ]
        }
    }

    private func refused(_ refusal: FakeRefusal) -> (reply: Reply, error: String?) {
        failed(refusal.error, extra: refusal.extra)
    }

    /// A `ts` like Slack's: the posting time in seconds, with a unique, increasing fraction.
    private func nextTS() -> String {
        sequence += 1
        return "\(Int(Date().timeIntervalSince1970)).\(String(format: "%06d", sequence % 1_000_000))"
    }

    /// `metadata` as posted: a JSON object, or (form-encoded) its JSON text; it must have a string
    /// `event_type` and an object `event_payload`, as Slack requires.
    private func metadata(_ body: JSON) -> JSON? {
        var metadata = body["metadata"]
        if case let .string(encoded)? = metadata { metadata = JSON.parse(Array(encoded.utf8)) }
        guard let metadata, metadata["event_type"]?.string != nil, case .object? = metadata["event_payload"] else { return nil }
        return metadata
    }

    /// `conversations.history`: the channel's top-level messages (and thread parents) from `oldest`
    /// on, newest first. Like Slack it wants a conversation id, not a name.
    private func history(_ body: JSON) -> (reply: Reply, error: String?) {
        guard let channel = body["channel"]?.string, Self.isConversationID(channel) else { return failed("channel_not_found") }
        let oldest = Double(body["oldest"]?.string ?? "0") ?? 0
        let withMetadata = body["include_all_metadata"]?.string == "true" || body["include_all_metadata"] == .bool(true)
        let found = messages(in: channel).filter { $0.threadTS == nil && (Double($0.ts) ?? 0) >= oldest && !$0.deleted }
        return page(found.reversed().map { messageJSON($0, metadata: withMetadata) })
    }

    /// `conversations.replies`: the thread's parent and its replies from `oldest` on, oldest first.
    private func threadReplies(_ body: JSON) -> (reply: Reply, error: String?) {
        guard let channel = body["channel"]?.string, Self.isConversationID(channel) else { return failed("channel_not_found") }
        guard let ts = body["ts"]?.string, let parent = messagesByKey[Self.key(channel, ts)] else { return failed("thread_not_found") }
        let oldest = Double(body["oldest"]?.string ?? "0") ?? 0
        let withMetadata = body["include_all_metadata"]?.string == "true" || body["include_all_metadata"] == .bool(true)
        let replies = messages(in: channel).filter { $0.threadTS == ts && (Double($0.ts) ?? 0) >= oldest && !$0.deleted }
        return page(([parent] + replies).map { messageJSON($0, metadata: withMetadata) })
    }

    /// `conversations.list`: every channel the fake has given an id.
    private func conversationList() -> (reply: Reply, error: String?) {
        let channels = channelNames.map { name, id in JSON.object(["id": .string(id), "name": .string(name), "is_channel": .bool(true)]) }
        return (.json(.object([
            "ok": .bool(true), "channels": .array(channels), "response_metadata": .object(["next_cursor": .string("")]),
        ])), nil)
    }

    /// One page holding everything (the fake's histories are short).
    private func page(_ messages: [JSON]) -> (reply: Reply, error: String?) {
        (.json(.object([
            "ok": .bool(true), "messages": .array(messages), "has_more": .bool(false),
            "response_metadata": .object(["next_cursor": .string("")]),
        ])), nil)
    }

    private func messageJSON(_ message: Message, metadata: Bool = false) -> JSON {
        var object: [String: JSON] = [
            "type": .string("message"), "subtype": .string("bot_message"), "text": .string(message.text),
            "ts": .string(message.ts), "user": .string(Self.botUserID), "bot_id": .string(Self.botID),
            "blocks": message.blocks,
        ]
        if let threadTS = message.threadTS { object["thread_ts"] = .string(threadTS) }
        if metadata, let value = message.metadata { object["metadata"] = value }
        return .object(object)
    }
}
