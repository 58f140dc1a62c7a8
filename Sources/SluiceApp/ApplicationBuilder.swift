import Conversation
import Foundation
import Hummingbird
import Logging
import Prometheus
import Server
import ServiceLifecycle
import SlackAPI
import SlackDelivery
import SluiceCore
import Worker

extension SluiceApplication {
    /// The `/slack/*` surface; without a signing secret every Slack request is refused with 401.
    /// It answers at once: the bot's user id comes from `identity` (`SLACK_BOT_USER_ID`, or the
    /// token check in `services()` once Slack answers).
    public func slackSurface() -> SlackSurface {
        SlackSurface(
            verifier: configuration.slackSigningSecret.map { SlackRequestVerifier(signingSecret: $0) },
            conversation: conversation, replies: replies, state: state, work: work,
            identity: identity, clock: clock, logger: logger, home: home)
    }

    /// The routes: `/healthz`, `/readyz`, `/metrics` and Slack's over `surface`.
    public func router(surface: SlackSurface, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) -> Router<BasicRequestContext> {
        let router = buildRouter(state: state, identity: identity, metrics: metrics, clock: clock)
        addSlackRoutes(to: router, surface: surface)
        return router
    }

    /// What runs beside the routes until shutdown: the scheduler, the outbox sender, the work
    /// queue, the alert watcher, the daily digest and, with Slack, the token check (which stops the
    /// server, by throwing, only when Slack says the token is not valid) and the App Home publisher.
    public func services() -> [any Service] {
        let (runner, sender, work, digest) = (self.runner, self.sender, self.work, self.digest)
        let scheduler = PipelineScheduler(runner: runner)
        let watcher = AlertWatcher(manifest: manifest, state: state, clock: clock, logger: logger)
        var services: [any Service] = [
            BackgroundService("scheduler") { await scheduler.run() },
            BackgroundService("outbox") { await sender.run() },
            WorkQueueService(work: work, logger: logger),
            BackgroundService("alerts") { await watcher.run() },
            BackgroundService("digest") { await digest.run() },
        ]
        if let slackClient {
            let check = SlackTokenCheck(client: slackClient, identity: identity, clock: clock, logger: logger)
            services.append(BackgroundService("slack-token") { try await check.run() })
        }
        if let home {
            services.append(BackgroundService("home") { await home.run() })
        }
        return services
    }

    /// The HTTP application (Hummingbird's `buildApplication`): the routes, listening on
    /// `SLUICE_HOST:SLUICE_PORT` at once (Slack need not answer first), with `services()` living and
    /// stopping with it.
    public func application(metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) -> some ApplicationProtocol {
        Application(
            router: router(surface: slackSurface(), metrics: metrics),
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
    return sluice.application(metrics: metrics)
}

/// Wraps a long-running task as a `Service` that stops on graceful shutdown. A body that throws
/// stops the whole server with its error.
public struct BackgroundService: Service {
    private let name: String
    private let body: @Sendable () async throws -> Void

    /// Creates a service running `body` until shutdown cancels it.
    public init(_ name: String, _ body: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the body; graceful shutdown cancels it. A body that finishes early (a scheduler with
    /// nothing scheduled) leaves the service waiting for shutdown, so the server keeps running.
    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            try await body()
        }
        do {
            try await gracefulShutdown()
        } catch is CancellationError {
            return
        }
    }
}

/// Runs the work queue. On graceful shutdown it stops accepting work (requests arriving now are
/// answered "Sluice is restarting; try again"), gives the accepted work `grace` to finish (a reply
/// being written is sent), then cancels what is left (a run stops between steps and is resumed
/// after the restart).
public struct WorkQueueService: Service {
    private let work: WorkQueue
    private let logger: Logger
    private let grace: Duration

    /// Creates the service.
    public init(work: WorkQueue, logger: Logger, grace: Duration = .seconds(10)) {
        self.work = work
        self.logger = logger
        self.grace = grace
    }

    /// Runs the queue until graceful shutdown (then as described above) or cancellation.
    public func run() async throws {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await work.run()
                return true
            }
            do {
                try await gracefulShutdown()
            } catch {
                // Cancelled without a graceful shutdown: cancel the work at once.
                group.cancelAll()
                return
            }
            work.finish()
            group.addTask {
                try? await Task.sleep(for: grace)
                return false
            }
            if await group.next() == false {
                logger.notice("work still running \(grace) after the shutdown began was cancelled; runs are resumed after the restart")
            }
            group.cancelAll()
        }
    }
}
