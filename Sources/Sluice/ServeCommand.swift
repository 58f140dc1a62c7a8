import ArgumentParser
import Foundation
import Metrics
import Prometheus
import ServiceLifecycle
import SluiceApp

/// `sluice serve`: the scheduler, the outbox sender and the HTTP surface, until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run pipelines on their schedules and serve /healthz, /readyz, /metrics (and Slack's routes).")

    func run() async throws {
        let logger = Logs.bootstrap()
        do {
            let configuration = try SluiceConfiguration()
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let app = try await buildApplication(configuration, metrics: registry, logger: logger)
            let mode = configuration.slackBotToken == nil ? "console mode: Slack messages print here" : "Slack mode"
            logger.info("Sluice listening on http://\(configuration.host):\(configuration.port) (\(mode))")
            let group = ServiceGroup(
                configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            // A start-up or fatal error is the operator's to fix, not a misuse of the command line:
            // one line saying what failed and what to do, no usage text; exit code 78 (EX_CONFIG).
            FileHandle.standardError.write(Data("sluice serve stopped: \(error)\n".utf8))
            throw ExitCode(78)
        }
    }
}
