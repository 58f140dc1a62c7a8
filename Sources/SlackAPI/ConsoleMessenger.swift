import Foundation
import SluiceCore

/// Console mode (no `SLACK_BOT_TOKEN`): every message Sluice would post is printed as readable text.
/// Returns made-up but unique `ts` values so threads and edits work the same as in Slack.
public actor ConsoleMessenger: SlackMessenger {
    private var sequence = 0
    private let write: @Sendable (String) -> Void

    /// Creates a console messenger writing through `write` (standard output by default).
    public init(write: @escaping @Sendable (String) -> Void = { ConsoleMessenger.standardOutput($0) }) {
        self.write = write
    }

    /// Prints the message; a thread reply is indented under its parent.
    public func post(channel: String, message: SlackMessage, threadTS: String?, mark: DeliveryMark?) async throws -> SlackPostedMessage {
        sequence += 1
        let ts = String(format: "%010d.%06d", Int(Date().timeIntervalSince1970), sequence)
        write(ConsoleRenderer.render(message, channel: channel, thread: threadTS != nil) + "\n")
        return SlackPostedMessage(channel: channel, ts: ts)
    }

    /// The console keeps nothing to look in: a message printed before a crash may print again.
    public func findPosted(
        _ mark: DeliveryMark, channel: String, channelID: String?, threadTS: String?, since: Date
    ) async throws -> SlackPostedMessage? {
        nil
    }

    /// Prints the answer.
    public func respond(to responseURL: String, message: SlackMessage, ephemeral: Bool, replaceOriginal: Bool) async throws {
        write(ConsoleRenderer.render(message, channel: ephemeral ? "only you" : "reply") + "\n")
    }

    /// Prints the message for `user`.
    public func postEphemeral(channel: String, user: String, message: SlackMessage, threadTS: String?) async throws {
        write(ConsoleRenderer.render(message, channel: "only \(user)", thread: threadTS != nil) + "\n")
    }

    /// Prints the new version of an edited message.
    public func update(channel: String, ts: String, message: SlackMessage) async throws {
        write(ConsoleRenderer.render(message, channel: channel, edit: true) + "\n")
    }

    /// Writes text to standard output unbuffered.
    public static func standardOutput(_ text: String) {
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
