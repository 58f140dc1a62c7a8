import Foundation
import SluiceCore
import Worker

extension Conversation {
    /// `/sluice digest`: builds the digest now and enqueues it to the digest channel (summary at the
    /// top level, long lists in its thread), records it in the audit log, and tells the requester where.
    /// An on-demand digest does not count as the day's scheduled one.
    func postDigest(from requester: Requester) async throws -> CommandReply {
        let service = DigestService(manifest: manifest, state: state, warehouse: runner.warehouse, clock: clock, logger: logger)
        let posting = try await service.post(at: clock.now)
        let report = posting.report
        try await auditor.record(
            requester, "digest", posting.channel,
            detail: "\(report.runs.total) runs, \(report.freshness.count) tables, \(report.alerts.count) open alerts, "
                + "\(posting.messages.thread.count) thread replies")
        return .note(":white_check_mark: Posted the digest in \(Self.channelReference(posting.channel)).")
    }

    /// A channel as Slack shows it: a name stays `#name`, an id becomes a link `<#C…>`.
    private static func channelReference(_ channel: String) -> String {
        channel.hasPrefix("#") ? channel : "<#\(channel)>"
    }
}
