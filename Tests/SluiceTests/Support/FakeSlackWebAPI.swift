import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A local Slack Web API on `127.0.0.1` (a real HTTP server on an ephemeral port) that speaks Slack's
/// wire: `chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.publish` and
/// `usergroups.users.list` under `baseURL`, plus `response_url` endpoints. It rejects what Slack
/// rejects (bad token, missing channel, no text, blocks beyond Block Kit's limits, unknown `ts`,
/// a channel *name* in `chat.update`, a `response_url` used more than 5 times), records every call,
/// keeps the current content of every posted message, and can be scripted to fail
/// (`429` + `Retry-After`, `ok:false`, `5xx`).
///
/// Use it scoped: `try await FakeSlackWebAPI.run { slack in … slack.baseURL … }`.
actor FakeSlackWebAPI {
    /// The bot token the fake accepts unless told otherwise.
    static let defaultToken = "xoxb-1111111111-2222222222-FakeSlackTestToken"
    /// The fake bot's user id and bot id (what Slack puts on messages the app posts).
    static let botUserID = "U0FAKEBOT"
    static let botID = "B0FAKEBOT"

    // MARK: Recorded values

    /// One HTTP request the fake received.
    struct Call: Sendable {
        /// The Web API method (`chat.postMessage`, …), or `response_url`.
        let method: String
        /// The decoded body: the JSON object, or form and query fields as an object of strings.
        let body: JSON
        /// Request headers, names lowercased.
        let headers: [String: String]
        /// For `response_url` calls: the id in `/response/<id>`.
        let responseURLID: String?
        /// The `error` the fake answered with (nil when it answered `ok:true`).
        let error: String?
    }

    /// A message as it currently reads in the fake workspace.
    struct Message: Sendable, Equatable {
        /// The channel id.
        let channel: String
        /// The message's timestamp.
        let ts: String
        /// The thread's parent `ts`, for replies.
        let threadTS: String?
        /// Current fallback text.
        var text: String
        /// Current blocks, as sent.
        var blocks: JSON
        /// How many times `chat.update` (or a replacing `response_url`) changed it.
        var edits: Int
        /// Every text it has had, oldest first.
        var textHistory: [String]
        /// True when a `response_url` reply deleted it.
        var deleted: Bool
    }

    /// A message only one user sees.
    struct Ephemeral: Sendable, Equatable {
        /// The channel id.
        let channel: String
        /// Who sees it.
        let user: String
        /// Thread, when in one.
        let threadTS: String?
        /// Fallback text.
        let text: String
        /// Blocks, as sent.
        let blocks: JSON
    }

    /// A scripted failure for the next call of a method.
    enum Failure: Sendable {
        /// HTTP 429 with `Retry-After: seconds` (Slack's rate limit).
        case rateLimited(retryAfter: Int)
        /// HTTP 200 `{"ok":false,"error":name}`.
        case error(String)
        /// HTTP 200 `{"ok":false,"error":"missing_scope","needed":scope}`.
        case missingScope(needed: String)
        /// HTTP 503 with a non-JSON body.
        case serverError
    }

    /// A wait that did not see its calls arrive in time.
    struct WaitTimedOut: Error, CustomStringConvertible {
        let method: String
        let expected: Int
        let arrived: Int
        var description: String { "expected \(expected) \(method) call(s) at the fake Slack, \(arrived) arrived" }
    }

    /// The server could not start.
    struct NotStarted: Error, CustomStringConvertible {
        var description: String { "the fake Slack Web API did not start listening" }
    }

    // MARK: State

    private nonisolated let boundPort = Mutex<Int>(0)
    private var token: String
    private var recorded: [Call] = []
    private var messagesByKey: [String: Message] = [:]
    private var messageOrder: [String] = []
    private var ephemeralMessages: [Ephemeral] = []
    private var homeViews: [String: JSON] = [:]
    private var userGroups: [String: [String]] = [:]
    private var channelIDs: [String: String] = [:]
    private var channelErrors: [String: String] = [:]
    private var failures: [String: [Failure]] = [:]
    private var responseUses: [String: Int] = [:]
    private var expiredResponseURLs: Set<String> = []
    private var responseTargets: [String: (channel: String, ts: String)] = [:]
    private var sequence = 0
    private var waiters: [UUID: (method: String, count: Int, continuation: CheckedContinuation<[Call]?, Never>)] = [:]
    private var abandonedWaits: Set<UUID> = []

    private init(token: String) {
        self.token = token
    }

    // MARK: Lifecycle

    /// Starts a fake on an ephemeral loopback port, runs `body` with it, and stops it.
    static func run<T>(token: String = defaultToken, _ body: (FakeSlackWebAPI) async throws -> T) async throws -> T {
        let fake = FakeSlackWebAPI(token: token)
        var logger = Logger(label: "fake-slack")
        logger.logLevel = .warning
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let app = Application(
            router: fake.router(),
            configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), serverName: "fake-slack"),
            onServerRunning: { channel in
                portContinuation.yield(channel.localAddress?.port ?? 0)
                portContinuation.finish()
            },
            logger: logger)
        let services = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { portContinuation.finish() }
                try await services.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next(), port > 0 else {
                await services.triggerGracefulShutdown()
                throw NotStarted()
            }
            fake.boundPort.withLock { $0 = port }
            do {
                let result = try await body(fake)
                await services.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await services.triggerGracefulShutdown()
                throw error
            }
        }
    }

    /// The port the fake listens on.
    nonisolated var port: Int { boundPort.withLock { $0 } }

    /// The Web API base to give the client (`SLACK_API_URL`).
    nonisolated var baseURL: String { "http://127.0.0.1:\(port)/api/" }

    /// A `response_url` served by the fake (at most 5 uses, like Slack's).
    nonisolated func responseURL(_ id: String) -> String { "http://127.0.0.1:\(port)/response/\(id)" }

    // MARK: Scripting

    /// Makes the next call(s) of `method` (`chat.postMessage`, …, or `response_url`) fail.
    func failNext(method: String, with failure: Failure, times: Int = 1) {
        failures[method, default: []].append(contentsOf: Array(repeating: failure, count: times))
    }

    /// Makes every post or edit in `channel` (name or id) fail with `error` (`not_in_channel`, `is_archived`, …).
    func rejectChannel(_ channel: String, with error: String) {
        channelErrors[Self.normalized(channel)] = error
    }

    /// Changes the token the fake accepts (a revoked or rotated token).
    func acceptToken(_ newToken: String) {
        token = newToken
    }

    /// Sets the members of a user group for `usergroups.users.list`.
    func setUserGroup(_ groupID: String, members: [String]) {
        userGroups[groupID] = members
    }

    /// Ties a `response_url` to the message holding the button, so `replace_original` edits it.
    func linkResponseURL(_ id: String, toMessageIn channel: String, ts: String) {
        responseTargets[id] = (channelID(for: channel), ts)
    }

    /// Makes a `response_url` answer `expired_url` (older than 30 minutes).
    func expireResponseURL(_ id: String) {
        expiredResponseURLs.insert(id)
    }

    // MARK: Assertions

    /// Every call so far, in arrival order.
    var calls: [Call] { recorded }

    /// The calls of one method (`chat.postMessage`, …, or `response_url`).
    func calls(method: String) -> [Call] {
        recorded.filter { $0.method == method }
    }

    /// The calls made to one `response_url`.
    func responses(_ id: String) -> [Call] {
        recorded.filter { $0.responseURLID == id }
    }

    /// Waits until at least `count` calls of `method` have arrived (successful or not) and returns
    /// them; throws `WaitTimedOut` after `timeout` so a missing call fails the test instead of hanging it.
    func waitForCalls(method: String, count: Int, timeout: Duration = .seconds(10)) async throws -> [Call] {
        let arrived = calls(method: method)
        if arrived.count >= count { return arrived }
        let id = UUID()
        let result = await withTaskGroup(of: [Call]?.self) { group in
            group.addTask { await self.arrival(id: id, method: method, count: count) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let result else { throw WaitTimedOut(method: method, expected: count, arrived: calls(method: method).count) }
        return result
    }

    /// The id the fake gave a channel name (ids are returned as they are).
    func channelID(for channel: String) -> String {
        let name = Self.normalized(channel)
        if Self.isConversationID(name) { return name }
        if Self.isUserID(name) { return "D" + name.dropFirst() }
        if let id = channelIDs[name] { return id }
        let id = String(format: "C0FAKE%04d", channelIDs.count + 1)
        channelIDs[name] = id
        return id
    }

    /// The message `ts` in `channel` (name or id) as it reads now.
    func message(channel: String, ts: String) -> Message? {
        messagesByKey[Self.key(channelID(for: channel), ts)]
    }

    /// Every message in `channel` (name or id), top level and replies, in posting order.
    func messages(in channel: String) -> [Message] {
        let id = channelID(for: channel)
        return messageOrder.compactMap { messagesByKey[$0] }.filter { $0.channel == id }
    }

    /// The top-level messages in `channel` (not thread replies).
    func topLevelMessages(in channel: String) -> [Message] {
        messages(in: channel).filter { $0.threadTS == nil }
    }

    /// The replies in the thread of `threadTS` in `channel`.
    func replies(in channel: String, threadTS: String) -> [Message] {
        messages(in: channel).filter { $0.threadTS == threadTS }
    }

    /// Every ephemeral message shown so far.
    var ephemerals: [Ephemeral] { ephemeralMessages }

    /// The App Home view last published for `user` (`{"type":"home","blocks":[…]}`).
    func homeView(user: String) -> JSON? {
        homeViews[user]
    }

    // MARK: Waiting

    private func arrival(id: UUID, method: String, count: Int) async -> [Call]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if abandonedWaits.remove(id) != nil {
                    continuation.resume(returning: nil)
                } else {
                    waiters[id] = (method, count, continuation)
                    wakeWaiters()
                }
            }
        } onCancel: {
            Task { await self.abandonWait(id) }
        }
    }

    private func abandonWait(_ id: UUID) {
        if let waiter = waiters.removeValue(forKey: id) {
            waiter.continuation.resume(returning: nil)
        } else {
            abandonedWaits.insert(id)
        }
    }

    private func wakeWaiters() {
        for (id, waiter) in waiters {
            let arrived = calls(method: waiter.method)
            if arrived.count >= waiter.count {
                waiters.removeValue(forKey: id)
                waiter.continuation.resume(returning: arrived)
            }
        }
    }

    private func record(_ method: String, _ body: JSON, _ headers: [String: String], responseURLID: String? = nil, error: String?) {
        recorded.append(Call(method: method, body: body, headers: headers, responseURLID: responseURLID, error: error))
        wakeWaiters()
    }

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

    private nonisolated func router() -> Router<BasicRequestContext> {
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

    private func api(method: String, headers: [String: String], body raw: ReceivedBody) -> Reply {
        guard let body = raw.decoded() else {
            record(method, .null, headers, error: "invalid_json")
            return .error("invalid_json")
        }
        let reply = answer(method: method, headers: headers, body: body)
        record(method, body, headers, error: reply.error)
        return reply.reply
    }

    private func answer(method: String, headers: [String: String], body: JSON) -> (reply: Reply, error: String?) {
        let bearer = headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        guard let presented = bearer ?? body["token"]?.string, !presented.isEmpty else { return failed("not_authed") }
        guard presented == token else { return failed("invalid_auth") }
        if var queue = failures[method], !queue.isEmpty {
            let failure = queue.removeFirst()
            failures[method] = queue
            return scripted(failure)
        }
        switch method {
        case "chat.postMessage": return postMessage(body)
        case "chat.update": return update(body)
        case "chat.postEphemeral": return postEphemeral(body)
        case "views.publish": return publish(body)
        case "usergroups.users.list": return userGroupUsers(body)
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
        case .serverError:
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
            deleted: false)
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

    private func nextTS() -> String {
        sequence += 1
        return "\(1_700_000_000 + sequence).000100"
    }

    private func messageJSON(_ message: Message) -> JSON {
        var object: [String: JSON] = [
            "type": .string("message"), "subtype": .string("bot_message"), "text": .string(message.text),
            "ts": .string(message.ts), "user": .string(Self.botUserID), "bot_id": .string(Self.botID),
            "blocks": message.blocks,
        ]
        if let threadTS = message.threadTS { object["thread_ts"] = .string(threadTS) }
        return .object(object)
    }

    private static func key(_ channel: String, _ ts: String) -> String { channel + "/" + ts }

    private static func normalized(_ channel: String) -> String {
        channel.hasPrefix("#") ? String(channel.dropFirst()) : channel
    }

    /// `C…`, `G…` or `D…` followed by at least 8 upper-case letters or digits.
    private static func isConversationID(_ text: String) -> Bool {
        guard let first = text.first, "CGD".contains(first), text.count >= 9 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    private static func isUserID(_ text: String) -> Bool {
        guard let first = text.first, "UW".contains(first), text.count >= 9 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }
}

/// Slack's Block Kit rules the fake enforces (from Slack's Block Kit reference).
enum BlockKitRules {
    static let knownBlockTypes: Set<String> = [
        "actions", "context", "divider", "file", "header", "image", "input", "markdown", "rich_text", "section", "video",
    ]

    /// Every rule `blocks` breaks, each ending in `[json-pointer:…]` like Slack's messages.
    static func problems(blocks: JSON, limit: Int, pointer: String) -> [String] {
        guard let list = blocks.array else { return ["must be an array [json-pointer:\(pointer)]"] }
        var problems: [String] = []
        if list.count > limit { problems.append("no more than \(limit) items allowed [json-pointer:\(pointer)]") }
        var blockIDs = Set<String>()
        for (index, block) in list.enumerated() {
            let at = "\(pointer)/\(index)"
            guard let type = block["type"]?.string else {
                problems.append("missing required field: type [json-pointer:\(at)]")
                continue
            }
            if let blockID = block["block_id"] {
                if let id = blockID.string, !id.isEmpty, id.count <= 255 {
                    if !blockIDs.insert(id).inserted { problems.append("duplicate block_id \(id) [json-pointer:\(at)/block_id]") }
                } else {
                    problems.append("block_id must be 1 to 255 characters [json-pointer:\(at)/block_id]")
                }
            }
            switch type {
            case "section": problems += section(block, at)
            case "header":
                problems += text(block["text"], at + "/text", max: 150, plainOnly: true, required: true)
            case "context":
                let elements = block["elements"]?.array ?? []
                if elements.isEmpty || elements.count > 10 {
                    problems.append("elements must hold 1 to 10 items [json-pointer:\(at)/elements]")
                }
                for (i, element) in elements.enumerated() where element["type"]?.string != "image" {
                    problems += text(element, "\(at)/elements/\(i)", max: 3000, plainOnly: false, required: true)
                }
            case "actions":
                let elements = block["elements"]?.array ?? []
                if elements.isEmpty || elements.count > 25 {
                    problems.append("elements must hold 1 to 25 items [json-pointer:\(at)/elements]")
                }
                var actionIDs = Set<String>()
                for (i, element) in elements.enumerated() {
                    problems += self.element(element, "\(at)/elements/\(i)")
                    if let id = element["action_id"]?.string, !actionIDs.insert(id).inserted {
                        problems.append("duplicate action_id \(id) [json-pointer:\(at)/elements/\(i)/action_id]")
                    }
                }
            case let other where !knownBlockTypes.contains(other):
                problems.append("unknown block type \(other) [json-pointer:\(at)/type]")
            default:
                break
            }
        }
        return problems
    }

    private static func section(_ block: JSON, _ at: String) -> [String] {
        var problems: [String] = []
        let fields = block["fields"]?.array
        if block["text"] == nil, fields == nil { problems.append("must provide text or fields [json-pointer:\(at)]") }
        if let text = block["text"] {
            problems += self.text(text, at + "/text", max: 3000, plainOnly: false, required: true)
        }
        if let fields {
            if fields.isEmpty || fields.count > 10 { problems.append("fields must hold 1 to 10 items [json-pointer:\(at)/fields]") }
            for (i, field) in fields.enumerated() {
                problems += text(field, "\(at)/fields/\(i)", max: 2000, plainOnly: false, required: true)
            }
        }
        if let accessory = block["accessory"] { problems += element(accessory, at + "/accessory") }
        return problems
    }

    private static func element(_ element: JSON, _ at: String) -> [String] {
        var problems: [String] = []
        if let actionID = element["action_id"] {
            if (actionID.string?.count ?? 0) < 1 || (actionID.string?.count ?? 0) > 255 {
                problems.append("action_id must be 1 to 255 characters [json-pointer:\(at)/action_id]")
            }
        }
        guard element["type"]?.string == "button" else {
            if element["type"]?.string == nil { problems.append("missing required field: type [json-pointer:\(at)]") }
            return problems
        }
        problems += text(element["text"], at + "/text", max: 75, plainOnly: true, required: true)
        if let value = element["value"], (value.string?.count ?? 2001) > 2000 {
            problems.append("value must be at most 2000 characters [json-pointer:\(at)/value]")
        }
        if let style = element["style"], !["primary", "danger"].contains(style.string ?? "") {
            problems.append("style must be primary or danger [json-pointer:\(at)/style]")
        }
        if let confirm = element["confirm"] {
            problems += text(confirm["title"], at + "/confirm/title", max: 100, plainOnly: true, required: true)
            problems += text(confirm["text"], at + "/confirm/text", max: 300, plainOnly: false, required: true)
            problems += text(confirm["confirm"], at + "/confirm/confirm", max: 30, plainOnly: true, required: true)
            problems += text(confirm["deny"], at + "/confirm/deny", max: 30, plainOnly: true, required: true)
        }
        return problems
    }

    private static func text(_ object: JSON?, _ at: String, max: Int, plainOnly: Bool, required: Bool) -> [String] {
        guard let object else { return required ? ["missing required field: text [json-pointer:\(at)]"] : [] }
        guard let type = object["type"]?.string, type == "plain_text" || type == "mrkdwn" else {
            return ["must be a text object [json-pointer:\(at)]"]
        }
        var problems: [String] = []
        if plainOnly, type != "plain_text" { problems.append("must be plain_text [json-pointer:\(at)/type]") }
        if type == "mrkdwn", object["emoji"] != nil { problems.append("emoji is only allowed on plain_text [json-pointer:\(at)/emoji]") }
        guard let text = object["text"]?.string else { return problems + ["missing required field: text [json-pointer:\(at)/text]"] }
        if text.isEmpty { problems.append("must be more than 0 characters [json-pointer:\(at)/text]") }
        if text.count > max { problems.append("must be less than \(max + 1) characters [json-pointer:\(at)/text]") }
        return problems
    }
}

/// A JSON value, for recording and asserting on what the fake received.
enum JSON: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// Parses JSON text; nil when it is not JSON.
    static func parse(_ bytes: [UInt8]) -> JSON? {
        try? JSONDecoder().decode(JSON.self, from: Data(bytes))
    }

    /// A member of an object.
    subscript(key: String) -> JSON? {
        if case let .object(object) = self { return object[key] }
        return nil
    }

    /// An element of an array.
    subscript(index: Int) -> JSON? {
        if case let .array(array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    /// The string, if this is one.
    var string: String? {
        if case let .string(value) = self { return value }
        return nil
    }

    /// The Boolean, if this is one.
    var bool: Bool? {
        if case let .bool(value) = self { return value }
        return nil
    }

    /// The number as an integer, if this is a whole number.
    var int: Int? {
        if case let .number(value) = self, value.rounded() == value { return Int(exactly: value) }
        return nil
    }

    /// The elements, if this is an array.
    var array: [JSON]? {
        if case let .array(value) = self { return value }
        return nil
    }

    /// Decodes this value as `type` (for example `[Block]` from a message's blocks).
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(type, from: Data(encoded().utf8))
    }

    /// Compact JSON text with sorted keys.
    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }

    var description: String { encoded() }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() {
            self = .null
        } else if let value = try? c.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? c.decode(Double.self) {
            self = .number(value)
        } else if let value = try? c.decode(String.self) {
            self = .string(value)
        } else if let value = try? c.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try c.decode([String: JSON].self))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case let .bool(value): try c.encode(value)
        case let .number(value): try c.encode(value)
        case let .string(value): try c.encode(value)
        case let .array(value): try c.encode(value)
        case let .object(value): try c.encode(value)
        }
    }
}
