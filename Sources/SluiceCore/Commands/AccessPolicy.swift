import Foundation

/// Who may act (`access.operators`): user ids (`U…`, `W…`) and user-group ids (`S…`). Everyone may
/// ask questions; only operators may run, rerun, backfill, mute and unmute. With no operators
/// configured, nobody may act from Slack.
public struct AccessPolicy: Sendable, Equatable {
    /// The operator ids as configured.
    public let operators: [String]
    /// The user ids among them.
    public let userIDs: Set<String>
    /// The user-group ids among them (`S…`); membership has to be looked up in Slack.
    public let groupIDs: Set<String>

    /// Creates a policy from operator user and user-group ids.
    public init(operators: [String]) {
        self.operators = operators
        self.groupIDs = Set(operators.filter { $0.hasPrefix("S") })
        self.userIDs = Set(operators.filter { !$0.hasPrefix("S") })
    }

    /// Creates the policy of a manifest's `access:` block.
    public init(access: AccessConfig) {
        self.init(operators: access.operators)
    }

    /// True when some operator is a user group, so callers must look up the acting user's groups
    /// (Slack's `usergroups.users.list`) before `mayAct`.
    public var needsGroupLookup: Bool { !groupIDs.isEmpty }

    /// True when `user` is an operator or a member of an operator group (`groups`: the ids of the user
    /// groups the user belongs to).
    public func mayAct(user: String, groups: Set<String>) -> Bool {
        userIDs.contains(user) || !groupIDs.isDisjoint(with: groups)
    }

    /// True for the commands only operators may use: `run`, `rerun`, `backfill`, `mute`, `unmute`.
    public static func requiresOperator(_ command: SlashCommand) -> Bool {
        switch command {
        case .run, .fullRefresh, .rerun, .backfill, .mute, .unmute:
            true
        case .help, .status, .runs, .freshness, .volume, .cost, .alerts, .mutes, .ack, .details, .resolve, .digest:
            false
        }
    }

    /// True for the thread replies only operators may use: `mute`.
    public static func requiresOperator(_ reply: ThreadReply) -> Bool {
        switch reply {
        case .mute:
            true
        case .ack, .resolve, .details, .unknown:
            false
        }
    }
}
