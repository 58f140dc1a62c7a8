import ArgumentParser
import Foundation
import Metrics
import Prometheus
import Server
import ServiceLifecycle
import Conversation
import SluiceCore
import Worker

/// `sluice serve`: the scheduler, the outbox sender and the HTTP surface, until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run pipelines on their schedules and serve /healthz, /metrics (and Slack's routes).")

    func run() async throws {
        let logger = Logs.bootstrap()
        do {
            let environment = try SluiceEnvironment()
            let wiring = try Wiring.make(environment: environment, logger: logger)
            try await wiring.recoverInterruptedRuns()

            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let scheduler = PipelineScheduler(runner: wiring.runner)
            let sender = wiring.sender
            let work = wiring.work
            let watcher = AlertWatcher(manifest: wiring.manifest, state: wiring.state, clock: wiring.clock, logger: logger)
            let digest = DigestService(
                manifest: wiring.manifest, state: wiring.state, warehouse: wiring.warehouse, clock: wiring.clock, logger: logger)
            let router = buildRouter(state: wiring.state, metrics: registry)
            addSlackRoutes(to: router, surface: try await wiring.slackSurface())
            if environment.slackSigningSecret == nil {
                logger.notice("SLACK_SIGNING_SECRET is not set: /slack/* requests are refused (try `sluice chat` to talk to Sluice locally)")
            }
            var services = [
                BackgroundService("scheduler") { await scheduler.run() },
                BackgroundService("outbox") { await sender.run() },
                BackgroundService("work") { await work.run() },
                BackgroundService("alerts") { await watcher.run() },
                BackgroundService("digest") { await digest.run() },
            ]
            if let home = wiring.home {
                services.append(BackgroundService("home") { await home.run() })
            } else {
                logger.info("console mode: no App Home tab (it needs SLACK_BOT_TOKEN)")
            }
            let app = buildApplication(
                router: router,
                address: ServerAddress(host: environment.host, port: environment.port),
                services: services,
                logger: logger)
            let mode = environment.slackBotToken == nil ? "console mode: Slack messages print here" : "Slack mode"
            logger.info("Sluice listening on http://\(environment.host):\(environment.port) (\(mode))")
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch let error as CLIError {
            throw ValidationError(error.description)
        }
    }
}
