import BigQueryAPI
import Conversation
import Foundation
import Logging
import Server
import SlackAPI
import SluiceCore
import StateStore
import Warehouse
import Worker

/// The concrete objects one Sluice process uses, built from the manifest and the environment.
struct Wiring: Sendable {
    let environment: SluiceEnvironment
    let manifest: Manifest
    let state: SQLiteStateStore
    let warehouse: any Warehouse
    let runner: PipelineRunner
    let sender: OutboxSender
    let conversation: Conversation
    let replies: any ReplyChannel
    let slackClient: SlackWebClient?
    /// Keeps the App Home tab current; nil in console mode (there is no App Home without Slack).
    let home: HomePublisher?
    let work: WorkQueue
    let clock: SystemClock
    let logger: Logger

    /// Validates the manifest first (nothing is touched on an invalid one), then opens the state
    /// store and the warehouse, and writes the demo data if the manifest needs it and it is missing.
    static func make(environment: SluiceEnvironment, manifestPath: String? = nil, logger: Logger) throws -> Wiring {
        let manifest = try ManifestLoader.loadValid(manifestPath ?? environment.manifestPath)
        try DemoBootstrap.ensureDemoData(for: manifest, logger: logger)
        let state = try SQLiteStateStore(path: environment.statePath)
        let warehouse: any Warehouse
        switch manifest.warehouse {
        case let .sqlite(path):
            warehouse = try SQLiteWarehouse(directory: manifest.resolve(path))
        case let .bigquery(project, location):
            warehouse = try bigQueryWarehouse(project: project, location: location, cost: manifest.cost, logger: logger)
        }
        let clock = SystemClock()
        let runner = PipelineRunner(manifest: manifest, state: state, warehouse: warehouse, clock: clock, logger: logger)
        let work = WorkQueue()
        let messenger: any SlackMessenger
        let replies: any ReplyChannel
        let directory: any OperatorDirectory
        var interval: TimeInterval = 0
        var slackClient: SlackWebClient?
        if let token = environment.slackBotToken {
            let client = SlackWebClient(token: token, baseURL: environment.slackAPIURL, logger: logger)
            slackClient = client
            messenger = client
            replies = SlackReplyChannel(client: client, logger: logger)
            directory = SlackGroupDirectory(client: client, logger: logger)
            interval = 1.0
        } else {
            messenger = ConsoleMessenger()
            replies = ConsoleReplyChannel()
            directory = NoGroupDirectory()
        }
        let sender = OutboxSender(state: state, messenger: messenger, clock: clock, logger: logger, channelInterval: interval)
        let conversation = Conversation(
            manifest: manifest, state: state, runner: runner, work: work, directory: directory, clock: clock,
            commandName: environment.commandName, logger: logger)
        let home = slackClient.map { HomePublisher(manifest: manifest, state: state, client: $0, clock: clock, logger: logger) }
        return Wiring(
            environment: environment, manifest: manifest, state: state, warehouse: warehouse, runner: runner,
            sender: sender, conversation: conversation, replies: replies, slackClient: slackClient, home: home, work: work,
            clock: clock, logger: logger)
    }

    /// BigQuery over REST with credentials from the environment (`GOOGLE_APPLICATION_CREDENTIALS`,
    /// `GOOGLE_OAUTH_ACCESS_TOKEN`, the metadata server, or none with an emulator endpoint).
    private static func bigQueryWarehouse(project: String, location: String, cost: CostConfig, logger: Logger) throws -> any Warehouse {
        let environment = ProcessInfo.processInfo.environment
        let http = BigQueryClient.sharedHTTPClient
        let tokens: any AccessTokenProvider
        do {
            tokens = try BigQueryCredentials.provider(environment: environment, httpClient: http)
        } catch {
            throw CLIError("BigQuery credentials are not usable: \(error)")
        }
        let client = BigQueryClient(
            project: project, location: location, endpoint: BigQueryClient.endpoint(environment: environment),
            tokens: tokens, httpClient: http, logger: logger)
        return BigQueryWarehouse(client: client, cost: cost)
    }

    /// The `/slack/*` surface; without a signing secret every Slack request is refused with 401.
    /// In Slack mode the bot's user id comes from `auth.test`, which also proves the token works.
    func slackSurface() async throws -> SlackSurface {
        var botUserID = environment.slackBotUserID
        if botUserID == nil, let slackClient {
            do {
                botUserID = try await slackClient.botUserID()
            } catch {
                throw CLIError("Slack refused SLACK_BOT_TOKEN at start-up: \(error)")
            }
        }
        return SlackSurface(
            verifier: environment.slackSigningSecret.map { SlackRequestVerifier(signingSecret: $0) },
            conversation: conversation, replies: replies, state: state, work: work,
            botUserID: botUserID, clock: clock, logger: logger, home: home)
    }

    /// Marks runs left active by a process that is gone as interrupted, and announces them.
    func recoverInterruptedRuns() async throws {
        let interrupted = try await RunRecovery(state: state, manifest: manifest, clock: clock).recover()
        for run in interrupted {
            logger.warning("found an interrupted run", metadata: ["pipeline": "\(run.pipeline)", "run": "\(run.id)"])
        }
    }
}
