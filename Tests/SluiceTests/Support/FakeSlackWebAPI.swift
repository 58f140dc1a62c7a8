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
        /// When it arrived.
        var at = ContinuousClock.now
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
        /// The message metadata it was posted with (`{event_type, event_payload}`), if any.
        var metadata: JSON? = nil
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
        /// The call takes effect (the message is posted), then HTTP 503: a lost answer.
        case serverErrorAfterEffect
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
    private var recorded: [Call] = []
    private var channelIDs: [String: String] = [:]
    private var waiters: [UUID: (method: String, count: Int, succeeded: Bool, continuation: CheckedContinuation<[Call]?, Never>)] = [:]
    private var abandonedWaits: Set<UUID> = []

    // The workspace as Slack keeps it: not private only so that the Web API
    // (`FakeSlackWebAPI+WebAPI.swift`) can answer from it and change it. Tests read it through the
    // assertions below and change it through the scripting methods.
    private(set) var token: String
    var messagesByKey: [String: Message] = [:]
    var messageOrder: [String] = []
    var ephemeralMessages: [Ephemeral] = []
    var homeViews: [String: JSON] = [:]
    private(set) var userGroups: [String: [String]] = [:]
    private(set) var channelErrors: [String: String] = [:]
    var failures: [String: [Failure]] = [:]
    var outage: Failure?
    var nextPostAction: (@Sendable () async -> Void)?
    var responseUses: [String: Int] = [:]
    private(set) var expiredResponseURLs: Set<String> = []
    private(set) var responseTargets: [String: (channel: String, ts: String)] = [:]
    var sequence = 0

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

    /// Makes every Web API call fail with `failure` (Slack down, or rate limiting everything) until
    /// called again with nil.
    func setOutage(_ failure: Failure?) {
        outage = failure
    }

    /// Runs `action` once, after the next successful `chat.postMessage` is recorded and before it is
    /// answered (to kill the poster between Slack's post and its own record of it).
    func onNextPost(_ action: @escaping @Sendable () async -> Void) {
        nextPostAction = action
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
    func calls(method: String, succeeded: Bool = false) -> [Call] {
        recorded.filter { $0.method == method && (!succeeded || $0.error == nil) }
    }

    /// The calls made to one `response_url`.
    func responses(_ id: String) -> [Call] {
        recorded.filter { $0.responseURLID == id }
    }

    /// Waits until at least `count` calls of `method` have arrived (successful or not) and returns
    /// them; throws `WaitTimedOut` after `timeout` so a missing call fails the test instead of hanging it.
    /// The default is a hang guard, not a latency bound: it returns as soon as the calls arrive, and
    /// on CI's two cores, with the oracle suites running beside it, a reply can take tens of seconds.
    /// With `succeeded`, only calls the fake answered `ok:true` count.
    func waitForCalls(method: String, count: Int, succeeded: Bool = false, timeout: Duration = .seconds(120)) async throws -> [Call] {
        let arrived = calls(method: method, succeeded: succeeded)
        if arrived.count >= count { return arrived }
        let id = UUID()
        let result = await withTaskGroup(of: [Call]?.self) { group in
            group.addTask { await self.arrival(id: id, method: method, count: count, succeeded: succeeded) }
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

    /// Every channel name the fake has given an id, with the id.
    var channelNames: [(name: String, id: String)] { channelIDs.sorted { $0.value < $1.value }.map { ($0.key, $0.value) } }

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

    private func arrival(id: UUID, method: String, count: Int, succeeded: Bool) async -> [Call]? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if abandonedWaits.remove(id) != nil {
                    continuation.resume(returning: nil)
                } else {
                    waiters[id] = (method, count, succeeded, continuation)
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
            let arrived = calls(method: waiter.method, succeeded: waiter.succeeded)
            if arrived.count >= waiter.count {
                waiters.removeValue(forKey: id)
                waiter.continuation.resume(returning: arrived)
            }
        }
    }

    func record(_ method: String, _ body: JSON, _ headers: [String: String], responseURLID: String? = nil, error: String?) {
        recorded.append(Call(method: method, body: body, headers: headers, responseURLID: responseURLID, error: error))
        wakeWaiters()
    }

    // MARK: Channel ids and message keys

    static func key(_ channel: String, _ ts: String) -> String { channel + "/" + ts }

    static func normalized(_ channel: String) -> String {
        channel.hasPrefix("#") ? String(channel.dropFirst()) : channel
    }

    /// `C…`, `G…` or `D…` followed by at least 8 upper-case letters or digits.
    static func isConversationID(_ text: String) -> Bool {
        guard let first = text.first, "CGD".contains(first), text.count >= 9 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }

    static func isUserID(_ text: String) -> Bool {
        guard let first = text.first, "UW".contains(first), text.count >= 9 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
    }
}
