import Foundation

/// One line of the audit log: who did what, when, from where, and whether it was allowed.
public struct AuditEntry: Sendable, Equatable {
    /// Sequential id (0 before insertion).
    public var id: Int64
    /// When.
    public var at: Date
    /// Slack user id, `cli`, or `scheduler`.
    public var actor: String
    /// The action word: `run`, `rerun`, `mute`, `ack`, …
    public var action: String
    /// What it acted on: a pipeline, a run id, an alert id, a mute target.
    public var target: String
    /// Free detail (arguments, reason).
    public var detail: String
    /// Slack channel id, or nil outside Slack.
    public var channel: String?
    /// `done`, `refused` or `failed`.
    public var outcome: String

    /// Creates an audit entry.
    public init(
        id: Int64 = 0, at: Date, actor: String, action: String, target: String, detail: String = "",
        channel: String? = nil, outcome: String = "done"
    ) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
        self.channel = channel
        self.outcome = outcome
    }
}
