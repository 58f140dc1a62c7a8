import Conversation
import Foundation
import Hummingbird
import Logging
import Prometheus
import Server
import ServiceLifecycle
import SlackAPI
import SluiceCore
import Worker

extension SluiceApplication {
    /// The `/slack/*` surface; without a signing secret every Slack request is refused with 401.
    /// In Slack mode the bot's user id comes from `auth.test` (unless `SLACK_BOT_USER_ID` is set),
    /// which also proves the token works.
    public func slackSurface() async throws -> SlackSurface {
        var botUserID = configuration.slackBotUserID
        if botUserID == nil, let slackClient {
            do {
                botUserID = try await slackClient.botUserID()
            } catch {
                throw ConfigurationError("Slack refused SLACK_BOT_TOKEN at start-up: \(error)")
            }
        }
        return slackSurface(botUserID: botUserID)
    }

    /// The `/slack/*` surface for a bot whose user id is known (nil in console mode).
    public func slackSurface(botUserID: String?) -> SlackSurface {
        SlackSurface(
            verifier: configuration.slackSigningSecret.map { SlackRequestVerifier(signingSecret: $0) },
            conversation: conversation, replies: replies, state: state, work: work,
            botUserID: botUserID, clock: clock, logger: logger, home: home)
    }

    /// The routes: `/healthz`, `/metrics` and Slack's over `surface`.
    public func router(surface: SlackSurface, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) -> Router<BasicRequestContext> {
        let router = buildRouter(state: state, metrics: metrics)
        addSlackRoutes(to: router, surface: surface)
        return router
    }

    /// What runs beside the routes until shutdown: the scheduler, the outbox sender, the work
    /// queue, the alert watcher, the daily digest and (with Slack) the App Home publisher.
    public func services() -> [any Service] {
        let (runner, sender, work, digest) = (self.runner, self.sender, self.work, self.digest)
        let scheduler = PipelineScheduler(runner: runner)
        let watcher = AlertWatcher(manifest: manifest, state: state, clock: clock, logger: logger)
        var services: [any Service] = [
            BackgroundService("scheduler") { await scheduler.run() },
            BackgroundService("outbox") { await sender.run() },
            BackgroundService("work") { await work.run() },
            BackgroundService("alerts") { await watcher.run() },
            BackgroundService("digest") { await digest.run() },
        ]
        if let home {
            services.append(BackgroundService("home") { await home.run() })
        }
        return services
    }

    /// The HTTP application (Hummingbird's `buildApplication`): the routes, listening on
    /// `SLUICE_HOST:SLUICE_PORT`, with `services()` living and stopping with it.
    public func application(metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) async throws -> some ApplicationProtocol {
        Application(
            router: router(surface: try await slackSurface(), metrics: metrics),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "sluice"),
            services: services(),
            logger: logger)
    }
}

/// Builds the whole server from a configuration: wires it, recovers runs a dead process left
/// active, and returns the HTTP application with its background services.
public func buildApplication(
    _ configuration: SluiceConfiguration, dependencies: SluiceDependencies = .live,
    metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), logger: Logger
) async throws -> some ApplicationProtocol {
    let sluice = try SluiceApplication.build(configuration, dependencies: dependencies, logger: logger)
    try await sluice.recoverInterruptedRuns()
    if configuration.slackSigningSecret == nil {
        logger.notice("SLACK_SIGNING_SECRET is not set: /slack/* requests are refused (try `sluice chat` to talk to Sluice locally)")
    }
    if sluice.home == nil {
        logger.info("console mode: no App Home tab (it needs SLACK_BOT_TOKEN)")
    }
    return try await sluice.application(metrics: metrics)
}

/// Wraps a long-running task as a `Service` that stops on graceful shutdown.
public struct BackgroundService: Service {
    private let name: String
    private let body: @Sendable () async -> Void

    /// Creates a service running `body` until shutdown cancels it.
    public init(_ name: String, _ body: @escaping @Sendable () async -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the body; graceful shutdown cancels it. A body that finishes early (a scheduler with
    /// nothing scheduled) leaves the service waiting for shutdown, so the server keeps running.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await body()
        }
        do {
            try await gracefulShutdown()
        } catch is CancellationError {
            return
        }
    }
}
