import ArgumentParser
import Foundation
import SluiceApp
import SluiceCore
import StateStore
import Worker

/// `sluice digest [--post]`: prints the daily digest as console text, or posts it to the digest
/// channel through the configured messenger (Slack with `SLACK_BOT_TOKEN`, else the console).
struct DigestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "digest",
        abstract: "Print the daily digest now, or post it to the digest channel with --post.")

    @Flag(name: .long, help: "Post it (summary in the digest channel, long lists in its thread) instead of printing it.")
    var post = false

    func run() async throws {
        let logger = Logs.bootstrap()
        do {
            let wiring = try SluiceApplication.build(try SluiceConfiguration(), logger: logger)
            let service = wiring.digest
            guard post else {
                let started = ContinuousClock.now
                let report = try await service.report(at: wiring.clock.now)
                let messages = DigestMessages.messages(for: report)
                let elapsed = (ContinuousClock.now - started).components
                let milliseconds = Double(elapsed.seconds) * 1000 + Double(elapsed.attoseconds) / 1e15
                logger.debug("digest built", metadata: [
                    "tables": "\(report.freshness.count)", "runs": "\(report.runs.total)",
                    "elapsed_ms": "\(String(format: "%.1f", milliseconds))",
                ])
                print(ConsoleRenderer.render(messages.summary, channel: service.channel))
                for reply in messages.thread {
                    print(ConsoleRenderer.render(reply, channel: service.channel, thread: true))
                }
                return
            }
            let posting = try await service.post(at: wiring.clock.now)
            try await wiring.sender.drain(until: wiring.clock.now.addingTimeInterval(120))
            try await Self.confirmDelivery(of: posting, state: wiring.state)
            let replies = posting.messages.thread.count
            FileHandle.standardError.write(Data(
                "Posted the digest to \(posting.channel) (1 message and \(replies) thread repl\(replies == 1 ? "y" : "ies")).\n".utf8))
        } catch let error as ConfigurationError {
            throw CommandFailure(error.description)
        } catch let error as StateStoreError {
            throw CommandFailure(error.description)
        }
    }

    /// Fails with Slack's reason when a digest message could not be delivered; pending messages are
    /// left to `sluice serve`.
    private static func confirmDelivery(of posting: DigestPosting, state: any StateStore) async throws {
        let ids = posting.outboxIDs
        let entries = try await state.read { reader in try ids.compactMap { try reader.outboxEntry(id: $0) } }
        if let failed = entries.first(where: { $0.state == .failed }) {
            throw CommandFailure(
                "the digest could not be posted to \(posting.channel): \(failed.lastError ?? "unknown error"); "
                    + "check that the bot is a member of the channel and has the chat:write scope")
        }
        if entries.contains(where: { $0.state == .pending }) {
            throw CommandFailure(
                "the digest is queued but not delivered yet (Slack asked to wait); `sluice serve` will deliver it")
        }
    }
}
