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

/// The demo shop on the SQLite warehouse behind signed routes, its first load held until
/// `gate.open()` and its cost estimates counted: what the burst tests share.
private struct GatedShop: Sendable {
    let slack: FakeSlackWebAPI
    let sluice: SluiceApplication
    let gate: FirstLoadGate
    let estimates: EstimateCount

    final class EstimateCount: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    /// Runs `body` with the shop's routes on a test client, its run queue working.
    static func run(
        orders: Int, costs: String? = nil, _ body: @escaping @Sendable (GatedShop, any TestClientProtocol) async throws -> Void
    ) async throws {
        try await FakeSlackWebAPI.run { slack in
            let workspace = try Workspace()
            try workspace.copyDemoShop(orders: orders, endingAt: Date())
            if let costs {
                // The demo's cost block, replaced.
                let path = workspace.path("manifest/sluice.yml")
                let text = try String(contentsOfFile: path, encoding: .utf8)
                let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("cost:") ? "cost: \(costs)" : String($0) }
                try lines.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
            }
            let gate = FirstLoadGate()
            let estimates = EstimateCount()
            let sluice = try workspace.application(manifestPath: "manifest/sluice.yml", slack: slack, clock: SystemClock()) { manifest, configuration, clock, logger in
                GatedWarehouse(
                    base: try SluiceDependencies.openWarehouse(manifest, configuration, clock, logger),
                    estimating: { estimates.add() }, hold: { _ in await gate.pass() })
            }
            let work = Task { await sluice.work.run() }
            defer { work.cancel() }
            let app = Application(router: sluice.router(surface: sluice.slackSurface()))
            let shop = GatedShop(slack: slack, sluice: sluice, gate: gate, estimates: estimates)
            try await app.test(.router) { client in try await body(shop, client) }
        }
    }

    /// Cost estimates asked of the warehouse so far (one per billed job).
    var estimated: Int { estimates.count }

    /// Sends a signed `/sluice TEXT` from an operator, answered at `response_url` id `id`.
    func command(_ text: String, reply id: String, on client: any TestClientProtocol) async throws -> HTTPResponse.Status {
        let body = BackfillHarness.commandBody(text, user: BackfillHarness.operatorID, responseURL: slack.responseURL(id))
        let headers = SlackSigning.headers(for: body, at: Date(), secret: SlackSigning.exampleSecret, contentType: BackfillHarness.form)
        return try await client.execute(uri: "/slack/commands", method: .post, headers: headers, body: ByteBuffer(string: body)) { $0.status }
    }
}

/// The work behind commands runs concurrently: a burst of commands while a run executes is
/// answered during the run, every one, once, and "already running" costs no estimate. (The 3 s
/// bound is measured on a server of its own: `CommandBurstProcessTests`.)
@Suite("Commands answered concurrently")
struct CommandConcurrencyTests {
    @Test func aHundredConcurrentCommandsDuringARunAreAllAnsweredDuringIt() async throws {
        try await GatedShop.run(orders: 2_000) { shop, client in
            #expect(try await shop.command("run shop", reply: "first", on: client) == .ok)
            await shop.gate.waitForArrival()
            let estimatedBefore = shop.estimated
            #expect(estimatedBefore > 0, "the first run was estimated (the demo has cost limits)")

            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for n in 0..<100 {
                    group.addTask { try await shop.command(n.isMultiple(of: 2) ? "run shop" : "status shop", reply: "burst\(n)", on: client) }
                }
                for try await status in group { #expect(status == .ok) }
            }
            // Every reply arrives while the run is still held mid-way: none waits for the run,
            // and none for a cost estimate ("already running" is told first).
            let replies = try await shop.slack.waitForCalls(method: "response_url", count: 101)
            let burstReplies = replies.filter { $0.responseURLID?.hasPrefix("burst") == true }
            #expect(Set(burstReplies.compactMap(\.responseURLID)).count == 100, "each command answered once")
            let runReplies = burstReplies.filter { ($0.responseURLID.flatMap { Int($0.dropFirst(5)) } ?? 1).isMultiple(of: 2) }
            #expect(runReplies.count == 50)
            #expect(runReplies.allSatisfy { $0.body.description.contains("already running") }, "\(runReplies.first?.body.description ?? "")")
            #expect(try await shop.sluice.state.read { try $0.runs(pipeline: "shop", limit: 10) }.count == 1, "exactly one run")
            #expect(shop.estimated == estimatedBefore, "no refused command estimated the run's cost")
            shop.gate.open()
            await shop.sluice.work.idle()
        }
    }
}

/// Run commands that arrive together on an idle pipeline take turns before the run is created: the
/// first is estimated and starts the run, the others are told "already running" without an estimate
/// of their own (before, all fifty passed the check together and each paid for an estimate).
@Suite("Run commands arriving together")
struct RunCommandBurstTests {
    @Test func fiftyRunCommandsOnAnIdlePipelineCostOneEstimateAndStartOneRun() async throws {
        try await GatedShop.run(orders: 500) { shop, client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for n in 0..<50 {
                    group.addTask { try await shop.command("run shop", reply: "burst\(n)", on: client) }
                }
                for try await status in group { #expect(status == .ok) }
            }
            let replies = try await shop.slack.waitForCalls(method: "response_url", count: 50)
            #expect(replies.filter { $0.body.description.contains("already running") }.count == 49)
            #expect(try await shop.sluice.state.read { try $0.runs(pipeline: "shop", limit: 10) }.count == 1, "exactly one run")
            let burstEstimates = shop.estimated
            shop.gate.open()
            await shop.sluice.work.idle()

            // One run alone, for what one estimate asks of the warehouse.
            #expect(try await shop.command("run shop", reply: "alone", on: client) == .ok)
            _ = try await shop.slack.waitForCalls(method: "response_url", count: 51)
            await shop.sluice.work.idle()
            let oneEstimate = shop.estimated - burstEstimates
            #expect(oneEstimate > 0)
            #expect(burstEstimates == oneEstimate, "the burst asked for \(burstEstimates) job estimates; one run asks for \(oneEstimate)")
        }
    }

    @Test func runCommandsWaitingBehindARefusedOneShareItsRefusalInsteadOfEstimatingInTurn() async throws {
        try await GatedShop.run(orders: 500, costs: "{ price_per_tib: 6.25, maximum_bytes_billed: 1MB }") { shop, client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for n in 0..<20 {
                    group.addTask { try await shop.command("run shop", reply: "burst\(n)", on: client) }
                }
                for try await status in group { #expect(status == .ok) }
            }
            let replies = try await shop.slack.waitForCalls(method: "response_url", count: 20)
            #expect(replies.allSatisfy { $0.body.description.contains("maximum_bytes_billed") }, "\(replies.first?.body.description.prefix(300) ?? "")")
            #expect(try await shop.sluice.state.read { try $0.runs(pipeline: "shop", limit: 10) }.isEmpty, "no run started")
            let burstEstimates = shop.estimated

            // One command alone, for what one estimate asks of the warehouse: a later command is estimated anew.
            #expect(try await shop.command("run shop", reply: "alone", on: client) == .ok)
            _ = try await shop.slack.waitForCalls(method: "response_url", count: 21)
            let oneEstimate = shop.estimated - burstEstimates
            #expect(oneEstimate > 0)
            // The first is estimated; those that waited for it share its refusal. Commands that came
            // before it began its estimate estimate too, so allow a handful, far below one each.
            #expect(burstEstimates <= 3 * oneEstimate, "the burst asked for \(burstEstimates) job estimates; one command asks for \(oneEstimate)")
        }
    }
}
