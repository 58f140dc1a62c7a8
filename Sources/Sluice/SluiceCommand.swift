import ArgumentParser
import Foundation
import Logging
import SluiceApp

/// `sluice`: runs and watches ELT pipelines, and talks about them in Slack.
@main
struct SluiceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sluice",
        abstract: "Runs and watches ELT pipelines on BigQuery or SQLite, driven from Slack.",
        subcommands: [
            ServeCommand.self, RunCommand.self, BackfillCommand.self, ValidateCommand.self, ChatCommand.self, SlackManifestCommand.self,
            DemoDataCommand.self, DigestCommand.self,
        ],
        defaultSubcommand: ServeCommand.self)
}

/// Logging to standard error (standard output carries console-mode messages and summaries).
enum Logs {
    /// Sets up swift-log once: level from `LOG_LEVEL` (default `info`).
    static func bootstrap() -> Logger {
        let level = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = RedactingLogHandler(StreamLogHandler.standardError(label: label))
            handler.logLevel = level
            return handler
        }
        return Logger(label: "sluice")
    }
}

/// A command that could not do its work for a reason the user fixes outside the command line (the
/// manifest, the state store, the warehouse, Slack): printed as `Error: …` without the usage text
/// that argument mistakes (`ValidationError`) get, exit code 1.
struct CommandFailure: Error, CustomStringConvertible {
    /// What happened and what to do.
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
