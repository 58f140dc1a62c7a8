import Foundation
import SluiceCore
import StateStore

/// Writes the audit log: who did what, when, from which channel, and whether it was allowed.
struct Auditor: Sendable {
    let state: any StateStore
    let clock: any WallClock

    func record(_ requester: Requester, _ action: String, _ target: String, detail: String = "", outcome: String = "done") async throws {
        let entry = AuditEntry(
            at: clock.now, actor: requester.userID, action: action, target: target, detail: detail,
            channel: requester.channelID, outcome: outcome)
        try await state.write { try $0.appendAudit(entry) }
    }
}
