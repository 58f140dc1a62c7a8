import Conversation
import Foundation
import Logging
import SlackAPI

/// Operator groups resolved through Slack's `usergroups.users.list`, cached for five minutes per group.
public actor SlackGroupDirectory: OperatorDirectory {
    private let client: SlackWebClient
    private let logger: Logger
    private let ttl: TimeInterval
    private var cache: [String: (members: Set<String>, fetched: Date)] = [:]

    /// Creates a directory over the Web API client.
    public init(client: SlackWebClient, logger: Logger, ttl: TimeInterval = 300) {
        self.client = client
        self.logger = logger
        self.ttl = ttl
    }

    /// The groups among `groups` that list `user`; a group that cannot be read counts as not containing them.
    public func groups(of user: String, among groups: [String]) async -> Set<String> {
        var found = Set<String>()
        for group in groups {
            if let cached = cache[group], Date().timeIntervalSince(cached.fetched) < ttl {
                if cached.members.contains(user) { found.insert(group) }
                continue
            }
            do {
                let members = Set(try await client.userGroupMembers(group))
                cache[group] = (members, Date())
                if members.contains(user) { found.insert(group) }
            } catch {
                logger.warning("could not read user group; its members are not treated as operators", metadata: [
                    "group": "\(group)", "error": "\(error)",
                ])
            }
        }
        return found
    }
}
