import BigQueryAPI
import Conversation
import Foundation
import Logging
import SlackAPI
import SlackDelivery
import SluiceCore
import StateStore
import Warehouse
import Worker

/// The edges a Sluice process reaches that are not configuration values: the clock and how the
/// warehouse is opened. `live` is what the executable uses; tests substitute a test clock or wrap
/// the warehouse.
public struct SluiceDependencies: Sendable {
    /// Opens the manifest's warehouse.
    public typealias WarehouseFactory = @Sendable (Manifest, SluiceConfiguration, any WallClock, Logger) throws -> any Warehouse

    /// The time source.
    public var clock: any WallClock
    /// Opens the warehouse the manifest names.
    public var warehouse: WarehouseFactory

    /// Creates dependencies.
    public init(clock: any WallClock = SystemClock(), warehouse: @escaping WarehouseFactory = SluiceDependencies.openWarehouse) {
        self.clock = clock
        self.warehouse = warehouse
    }

    /// The system clock and the manifest's warehouse.
    public static var live: SluiceDependencies { SluiceDependencies() }

    /// The SQLite warehouse in the manifest's folder, or BigQuery over REST with credentials from the
    /// environment (`GOOGLE_APPLICATION_CREDENTIALS`, `GOOGLE_OAUTH_ACCESS_TOKEN`, the metadata
    /// server, or none with an emulator endpoint).
    public static func openWarehouse(
        _ manifest: Manifest, _ configuration: SluiceConfiguration, _ clock: any WallClock, _ logger: Logger
    ) throws -> any Warehouse {
        switch manifest.warehouse {
        case let .sqlite(path):
            return try SQLiteWarehouse(directory: manifest.resolve(path), clock: clock)
        case let .bigquery(project, location):
            let http = BigQueryClient.sharedHTTPClient
            let tokens: any AccessTokenProvider
            do {
                tokens = try BigQueryCredentials.provider(environment: configuration.environment, httpClient: http)
            } catch {
                throw ConfigurationError("BigQuery credentials are not usable: \(error)")
            }
            let client = BigQueryClient(
                project: project, location: location, endpoint: BigQueryClient.endpoint(environment: configuration.environment),
                tokens: tokens, httpClient: http, logger: logger)
            return BigQueryWarehouse(client: client, cost: manifest.cost, clock: clock)
        }
    }
}

/// One Sluice process, wired: the composition root. Every command of the executable and every test
/// harness builds its objects here, from a `SluiceConfiguration`, so what runs is what is tested.
public struct SluiceApplication: Sendable {
    /// The configuration it was built from.
    public let configuration: SluiceConfiguration
    /// The validated manifest.
    public let manifest: Manifest
    /// Durable state.
    public let state: SQLiteStateStore
    /// Where the data lives.
    public let warehouse: any Warehouse
    /// Runs pipelines.
    public let runner: PipelineRunner
    /// Delivers the outbox to Slack or the console.
    public let sender: OutboxSender
    /// Slash commands, buttons and thread replies.
    public let conversation: Conversation
    /// Delivers replies to interactive requests.
    public let replies: any ReplyChannel
    /// The Web API client; nil in console mode.
    public let slackClient: SlackWebClient?
    /// The bot's identity and whether Slack has verified its token yet.
    public let identity: SlackIdentity
    /// Keeps the App Home tab current; nil in console mode (there is no App Home without Slack).
    public let home: HomePublisher?
    /// Background work started by requests (runs from Slack, slow replies).
    public let work: WorkQueue
    /// The time source.
    public let clock: any WallClock
    /// The logger.
    public let logger: Logger

    /// Validates the manifest first (nothing is touched on an invalid one), then writes the demo data
    /// if the manifest needs it and it is missing, opens the state store and the warehouse, and wires
    /// the rest: Slack with `SLACK_BOT_TOKEN`, the console without.
    public static func build(
        _ configuration: SluiceConfiguration, dependencies: SluiceDependencies = .live, logger: Logger
    ) throws -> SluiceApplication {
        let manifest = try ManifestLoader.loadValid(
            configuration.manifestPath, baseDirectory: configuration.baseDirectory, environment: configuration.environment)
        RedactingLogHandler.values.withLock { $0 = manifest.secrets }
        try DemoBootstrap.ensureDemoData(for: manifest, logger: logger)
        let state = try SQLiteStateStore(path: configuration.resolve(configuration.statePath))
        let clock = dependencies.clock
        let warehouse = try dependencies.warehouse(manifest, configuration, clock, logger)
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: logger)
        let work = WorkQueue()
        let messenger: any SlackMessenger
        let replies: any ReplyChannel
        let directory: any OperatorDirectory
        let slackClient = configuration.slackBotToken.map {
            SlackWebClient(token: $0, baseURL: configuration.slackAPIURL, logger: logger)
        }
        if let slackClient {
            messenger = slackClient
            replies = SlackReplyChannel(client: slackClient, state: state, clock: clock, logger: logger)
            directory = SlackGroupDirectory(client: slackClient, logger: logger)
        } else {
            messenger = ConsoleMessenger()
            replies = ConsoleReplyChannel()
            directory = NoGroupDirectory()
        }
        return SluiceApplication(
            configuration: configuration, manifest: manifest, state: state, warehouse: warehouse, runner: runner,
            sender: OutboxSender(
                state: state, messenger: messenger, clock: clock, logger: logger, channelInterval: configuration.outboxChannelInterval,
                announceChannel: manifest.slack.defaultChannel),
            conversation: Conversation(
                manifest: manifest, state: state, runner: runner, work: work, directory: directory, clock: clock,
                commandName: configuration.commandName, logger: logger),
            replies: replies, slackClient: slackClient,
            identity: slackClient == nil ? .console : SlackIdentity(status: .unverified(problem: nil), botUserID: configuration.slackBotUserID),
            home: slackClient.map { HomePublisher(manifest: manifest, state: state, client: $0, clock: clock, logger: logger) },
            work: work, clock: clock, logger: logger)
    }

    /// Marks runs left active by a process that is gone as interrupted, and announces them.
    public func recoverInterruptedRuns() async throws {
        let interrupted = try await RunRecovery(state: state, manifest: manifest, clock: clock).recover()
        for run in interrupted {
            logger.warning("found an interrupted run", metadata: ["pipeline": "\(run.pipeline)", "run": "\(run.id)"])
        }
    }

    /// The daily digest over this process's state and warehouse.
    public var digest: DigestService {
        DigestService(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: logger)
    }
}
