import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing

/// What the Slack Web API client suites share: an alert with every kind of block, a client of the
/// fake Slack, and the delivery error a call throws.
protocol SlackWebClientSuite {}

extension SlackWebClientSuite {
    static var alert: SlackMessage {
        SlackMessage(
            text: "Error: shop · rows_positive on raw.orders",
            blocks: [
                .header("Error: rows_positive"),
                .section(text: "*raw.orders* has 0 rows", fields: ["*Pipeline*\nshop", "*Owner*\n<@U0123ABCD>"]),
                .actions(blockID: "alert_actions", [
                    Button(text: "Acknowledge", actionID: "alert.ack", value: "alert-1", style: "primary"),
                    Button(text: "Rerun", actionID: "run.rerun", value: "run-1", confirm: Confirmation(title: "Rerun?", text: "Runs *shop* again.")),
                ]),
            ])
    }

    static func client(_ slack: FakeSlackWebAPI, token: String = FakeSlackWebAPI.defaultToken, logs: CapturedLogs? = nil) -> SlackWebClient {
        var logger = Logger(label: "slack-test") { label in
            logs.map { CapturingLogHandler(logs: $0) as any LogHandler } ?? SwiftLogNoOpLogHandler(label)
        }
        logger.logLevel = .trace
        return SlackWebClient(token: token, baseURL: slack.baseURL, timeout: .seconds(5), logger: logger)
    }

    static func deliveryError(_ body: () async throws -> Void) async throws -> SlackDeliveryError {
        do {
            try await body()
        } catch let error as SlackDeliveryError {
            return error
        }
        Issue.record("expected a SlackDeliveryError")
        return SlackDeliveryError(code: "none", message: "", retryable: false)
    }
}

/// Log lines captured by `CapturingLogHandler`.
final class CapturedLogs: Sendable {
    let lines = Mutex<[String]>([])
}

/// A log handler that keeps every line (message and metadata) for assertions.
struct CapturingLogHandler: LogHandler {
    let logs: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let line = "\(event.level) \(event.message) \(event.metadata ?? [:]) \(metadata)"
        logs.lines.withLock { $0.append(line) }
    }
}
