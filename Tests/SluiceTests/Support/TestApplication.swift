import Foundation
import Conversation
import Logging
import SlackDelivery
import SluiceApp
import SluiceCore
import StateStore
import Warehouse
import Worker

extension Workspace {
    /// The composition root over this workspace, exactly as the executable wires a process: the
    /// manifest at `manifestPath`, state in `state.sqlite`, and Slack at the fake `slack` (console
    /// mode without one) with the test clock. `warehouse` wraps or replaces the manifest's warehouse.
    func application(
        manifestPath: String = "sluice.yml", slack: FakeSlackWebAPI?, botUserID: String? = FakeSlackWebAPI.botUserID, clock: any WallClock,
        warehouse: SluiceDependencies.WarehouseFactory? = nil, logger: Logger = Logger(label: "test")
    ) throws -> SluiceApplication {
        var environment = ["SLUICE_MANIFEST": manifestPath, "SLUICE_STATE": "state.sqlite"]
        if let slack {
            environment["SLACK_BOT_TOKEN"] = FakeSlackWebAPI.defaultToken
            environment["SLACK_SIGNING_SECRET"] = SlackSigning.exampleSecret
            environment["SLACK_API_URL"] = slack.baseURL
            environment["SLACK_BOT_USER_ID"] = botUserID
        }
        var configuration = try SluiceConfiguration(environment: environment, baseDirectory: root)
        // Slack's one message per second per channel would only slow the tests down.
        configuration.outboxChannelInterval = 0
        return try SluiceApplication.build(
            configuration, dependencies: SluiceDependencies(clock: clock, warehouse: warehouse ?? SluiceDependencies.openWarehouse),
            logger: logger)
    }
}

/// A test harness over one wired application: the parts tests reach for, read from it.
protocol ApplicationHarness {
    /// The composition root's objects.
    var sluice: SluiceApplication { get }
}

extension ApplicationHarness {
    var manifest: Manifest { sluice.manifest }
    var state: SQLiteStateStore { sluice.state }
    var warehouse: any Warehouse { sluice.warehouse }
    var runner: PipelineRunner { sluice.runner }
    var sender: OutboxSender { sluice.sender }
    var work: WorkQueue { sluice.work }
    var conversation: Conversation { sluice.conversation }
}

extension Workspace {
    /// The checked-in demo manifest and models, with fresh demo data of `orders` orders ending at `now`.
    func copyDemoShop(orders: Int, endingAt now: Date) throws {
        try FileManager.default.copyItem(atPath: Workspace.repositoryRoot + "/manifest", toPath: path("manifest"))
        try? FileManager.default.removeItem(atPath: path("manifest/demo"))
        try DemoData.write(orders: orders, to: path("manifest/demo"), endingAt: now)
    }
}
