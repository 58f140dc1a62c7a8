import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import SluiceApp
import SluiceCore
import Synchronization
import Testing

/// Holds the first load it sees until `open()`, so a test can act while a run is mid-way.
final class FirstLoadGate: Sendable {
    private let armed = Mutex(true)
    private let arrivals: AsyncStream<Void>
    private let arrived: AsyncStream<Void>.Continuation
    private let releases: AsyncStream<Void>
    private let release: AsyncStream<Void>.Continuation

    init() {
        (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
        (releases, release) = AsyncStream.makeStream(of: Void.self)
    }

    func pass() async {
        guard armed.withLock({ armed in defer { armed = false }; return armed }) else { return }
        arrived.yield()
        for await _ in releases { break }
    }

    func waitForArrival() async {
        for await _ in arrivals { break }
    }

    func open() {
        release.yield()
    }
}

/// The work behind commands runs concurrently: a burst of commands while a run executes is
/// answered during the run, every one, once, and "already running" costs no estimate. (No
/// wall-clock bound here: in this process the other suites' synchronous work starves the two
/// cores, so it would measure them.)
@Suite("Commands answered concurrently")
struct CommandConcurrencyTests {
    @Test func aHundredConcurrentCommandsDuringARunAreAllAnsweredDuringIt() async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try Workspace()
            try workspace.copyDemoShop(orders: 2_000, endingAt: Date())
            let gate = FirstLoadGate()
            let estimates = Mutex(0)
            let sluice = try workspace.application(manifestPath: "manifest/sluice.yml", slack: slack, clock: SystemClock()) { manifest, configuration, clock, logger in
                GatedWarehouse(
                    base: try SluiceDependencies.openWarehouse(manifest, configuration, clock, logger),
                    estimating: { estimates.withLock { $0 += 1 } }, hold: { _ in await gate.pass() })
            }
            let work = Task { await sluice.work.run() }
            defer { work.cancel() }
            let app = Application(router: sluice.router(surface: sluice.slackSurface()))
            @Sendable func signed(_ text: String, reply id: String) -> (HTTPFields, ByteBuffer) {
                let body = BackfillHarness.commandBody(text, user: BackfillHarness.operatorID, responseURL: slack.responseURL(id))
                return (SlackSigning.headers(for: body, at: Date(), secret: SlackSigning.exampleSecret, contentType: BackfillHarness.form), ByteBuffer(string: body))
            }
            try await app.test(.router) { client in
                let (headers, body) = signed("run shop", reply: "first")
                #expect(try await client.execute(uri: "/slack/commands", method: .post, headers: headers, body: body) { $0.status } == .ok)
                await gate.waitForArrival()
                let estimatedBefore = estimates.withLock { $0 }
                #expect(estimatedBefore > 0, "the first run was estimated (the demo has cost limits)")

                try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                    for n in 0..<100 {
                        let (headers, body) = signed(n.isMultiple(of: 2) ? "run shop" : "status shop", reply: "burst\(n)")
                        group.addTask {
                            try await client.execute(uri: "/slack/commands", method: .post, headers: headers, body: body) { $0.status }
                        }
                    }
                    for try await status in group { #expect(status == .ok) }
                }
                // Every reply arrives while the run is still held mid-way: none waits for the run,
                // and none for a cost estimate ("already running" is told first).
                let replies = try await slack.waitForCalls(method: "response_url", count: 101)
                let burstReplies = replies.filter { $0.responseURLID?.hasPrefix("burst") == true }
                #expect(Set(burstReplies.compactMap(\.responseURLID)).count == 100, "each command answered once")
                let runReplies = burstReplies.filter { ($0.responseURLID.flatMap { Int($0.dropFirst(5)) } ?? 1).isMultiple(of: 2) }
                #expect(runReplies.count == 50)
                #expect(runReplies.allSatisfy { $0.body.description.contains("already running") }, "\(runReplies.first?.body.description ?? "")")
                #expect(try await sluice.state.read { try $0.runs(pipeline: "shop", limit: 10) }.count == 1, "exactly one run")
                #expect(estimates.withLock { $0 } == estimatedBefore, "no refused command estimated the run's cost")
                gate.open()
                await sluice.work.idle()
            }
        }
    }
}
