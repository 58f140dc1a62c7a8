import Foundation
import SlackAPI
import SluiceCore
import StateStore

/// `/readyz`: ready when the state store answers with every migration applied and Slack has
/// verified the bot token (or there is no token: console mode). The store is asked at most once a
/// second, so a load balancer's probes cannot load it.
actor ReadinessProbe {
    private let state: any StateStore
    private let identity: SlackIdentity
    private let clock: any WallClock
    private let cacheFor: TimeInterval
    private var cached: (health: StateStoreHealth, at: Date)?

    init(state: any StateStore, identity: SlackIdentity, clock: any WallClock, cacheFor: TimeInterval = 1) {
        self.state = state
        self.identity = identity
        self.clock = clock
        self.cacheFor = cacheFor
    }

    /// What is ready and what is not.
    func report() async -> ReadinessReport {
        let now = clock.now
        let health: StateStoreHealth
        if let cached, now >= cached.at, now.timeIntervalSince(cached.at) < cacheFor {
            health = cached.health
        } else {
            health = await state.health()
            cached = (health, now)
        }
        return ReadinessReport(state: health, slack: identity.status)
    }
}

/// The body of `/readyz`.
struct ReadinessReport: Encodable, Equatable {
    var status: String
    var stateStore: String
    var migrations: String
    var slack: String
    /// What is not ready and what to do, one sentence each.
    var problems: [String]

    var ready: Bool { problems.isEmpty }

    init(state: StateStoreHealth, slack: SlackTokenStatus) {
        var problems: [String] = []
        if let problem = state.problem { problems.append("state store: " + problem) }
        switch slack {
        case .notConfigured:
            self.slack = "console"
        case .verified:
            self.slack = "verified"
        case let .unverified(problem):
            self.slack = "unverified"
            problems.append(
                "Slack has not verified SLACK_BOT_TOKEN yet"
                    + (problem.map { " (\($0))" } ?? " (the first auth.test has not answered)")
                    + "; commands are acknowledged and their messages wait in the outbox")
        }
        stateStore = state.reachable ? "reachable" : "unreachable"
        migrations = state.migrationsCurrent ? "current" : "pending"
        status = problems.isEmpty ? "ready" : "not_ready"
        self.problems = problems
    }

    private enum CodingKeys: String, CodingKey {
        case status, stateStore = "state_store", migrations, slack, problems
    }
}
