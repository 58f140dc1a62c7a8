import Foundation
import SluiceCore
import Testing

/// Operators, a user with their groups, and whether they may act.
struct AccessCase: Sendable, CustomTestStringConvertible {
    let operators: [String]
    let user: String
    let groups: Set<String>
    let mayAct: Bool

    var testDescription: String { "\(user) in \(groups.sorted()) with operators \(operators)" }
}

@Suite("AccessPolicy")
struct AccessPolicyTests {
    static let team = ["U0123ABCD", "S0456EFGH"]

    static let cases: [AccessCase] = [
        AccessCase(operators: team, user: "U0123ABCD", groups: [], mayAct: true),
        AccessCase(operators: team, user: "U0999ZZZZ", groups: [], mayAct: false),
        AccessCase(operators: team, user: "U0999ZZZZ", groups: ["S0456EFGH"], mayAct: true),
        AccessCase(operators: team, user: "U0999ZZZZ", groups: ["S0000OTHER", "S0456EFGH"], mayAct: true),
        AccessCase(operators: team, user: "U0999ZZZZ", groups: ["S0000OTHER"], mayAct: false),
        AccessCase(operators: team, user: "S0456EFGH", groups: [], mayAct: false),
        AccessCase(operators: team, user: "u0123abcd", groups: [], mayAct: false),
        AccessCase(operators: ["W0ENTERPRISE"], user: "W0ENTERPRISE", groups: [], mayAct: true),
        AccessCase(operators: [], user: "U0123ABCD", groups: ["S0456EFGH"], mayAct: false),
        AccessCase(operators: team, user: "", groups: [], mayAct: false),
    ]

    @Test("operators are users or members of operator groups", arguments: cases)
    func mayAct(_ c: AccessCase) {
        #expect(AccessPolicy(operators: c.operators).mayAct(user: c.user, groups: c.groups) == c.mayAct)
    }

    @Test("group ids need a membership lookup")
    func groupLookup() {
        let policy = AccessPolicy(access: AccessConfig(operators: Self.team))
        #expect(policy.needsGroupLookup)
        #expect(policy.groupIDs == ["S0456EFGH"])
        #expect(policy.userIDs == ["U0123ABCD"])
        #expect(policy.operators == Self.team)
        #expect(!AccessPolicy(operators: ["U0123ABCD", "W0ENTERPRISE"]).needsGroupLookup)
        #expect(!AccessPolicy(operators: []).needsGroupLookup)
    }

    static let commands: [(SlashCommand, Bool)] = {
        let orders = TableName(dataset: "raw", table: "orders")
        return [
            (.help(topic: nil), false), (.status(pipeline: nil), false), (.runs(pipeline: "shop"), false),
            (.run(pipeline: "shop"), true), (.rerun(runID: 1, all: false), true), (.rerun(runID: 1, all: true), true),
            (.backfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-02"), true), (.freshness(target: nil), false),
            (.volume(table: orders, days: 14), false), (.cost(pipeline: "shop", window: .today, estimate: true), false),
            (.alerts, false), (.mute(target: .table(orders), end: .after(.hours(1)), reason: nil), true),
            (.unmute(target: .pipeline("shop")), true), (.mutes, false), (.ack(alertID: 7), false), (.details(alertID: 7), false),
            (.resolve(alertID: 7, reason: "fixed"), false), (.digest, false),
        ]
    }()

    @Test("run, rerun, backfill, mute and unmute need an operator; questions, ack, details and resolve do not")
    func commandsNeedingOperators() {
        for (command, needed) in Self.commands {
            #expect(AccessPolicy.requiresOperator(command) == needed, "\(command.word)")
        }
        #expect(Set(Self.commands.map { $0.0.word }).count == CommandSyntax.all.count)
    }

    @Test("a thread mute needs an operator; ack, resolve and details do not")
    func threadRepliesNeedingOperators() {
        #expect(AccessPolicy.requiresOperator(ThreadReply.mute(.after(.hours(4)), reason: nil)))
        for reply in [ThreadReply.ack, .resolve, .details, .unknown("hi")] {
            #expect(!AccessPolicy.requiresOperator(reply))
        }
    }
}
