import Foundation
import Logging
import SluiceApp
import SluiceCore

extension Workspace {
    /// The composition root over this workspace, exactly as the executable wires a process: the
    /// manifest at `manifestPath`, state in `state.sqlite`, and Slack at the fake `slack` (console
    /// mode without one) with the test clock. `warehouse` wraps or replaces the manifest's warehouse.
    func application(
        manifestPath: String = "sluice.yml", slack: FakeSlackWebAPI?, clock: any WallClock,
        warehouse: SluiceDependencies.WarehouseFactory? = nil, logger: Logger = Logger(label: "test")
    ) throws -> SluiceApplication {
        var environment = ["SLUICE_MANIFEST": manifestPath, "SLUICE_STATE": "state.sqlite"]
        if let slack {
            environment["SLACK_BOT_TOKEN"] = FakeSlackWebAPI.defaultToken
            environment["SLACK_SIGNING_SECRET"] = SlackSigning.exampleSecret
            environment["SLACK_API_URL"] = slack.baseURL
            environment["SLACK_BOT_USER_ID"] = FakeSlackWebAPI.botUserID
        }
        var configuration = try SluiceConfiguration(environment: environment, baseDirectory: root)
        // Slack's one message per second per channel would only slow the tests down.
        configuration.outboxChannelInterval = 0
        return try SluiceApplication.build(
            configuration, dependencies: SluiceDependencies(clock: clock, warehouse: warehouse ?? SluiceDependencies.openWarehouse),
            logger: logger)
    }
}
