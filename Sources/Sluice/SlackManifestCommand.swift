import ArgumentParser
import Foundation
import SluiceCore

/// `sluice slack-manifest`: prints the Slack app manifest for the configured public URL.
struct SlackManifestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "slack-manifest",
        abstract: "Print the Slack app manifest (YAML) for this deployment's public URL.")

    @Option(name: .long, help: "Public base URL Slack reaches (default: SLUICE_PUBLIC_URL or https://sluice.example.com).")
    var url: String?

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let base = url ?? environment["SLUICE_PUBLIC_URL"] ?? "https://sluice.example.com"
        guard base.hasPrefix("https://") || base.hasPrefix("http://") else {
            throw ValidationError("--url must start with https:// (Slack only calls HTTPS URLs), got '\(base)'")
        }
        let command = environment["SLUICE_COMMAND"].flatMap { $0.isEmpty ? nil : $0 } ?? "/sluice"
        print(SlackAppManifest.yaml(baseURL: base, commandName: command), terminator: "")
    }
}
