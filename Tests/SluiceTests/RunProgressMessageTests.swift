import Conversation
import Foundation
import SluiceCore
import StateStore
import Testing
import Warehouse
import Worker

/// Runs and reruns started from Slack, over signed HTTP on the demo shop: one progress message each,
/// edited to the outcome.
@Suite("Progress messages of runs and reruns started from Slack")
struct RunProgressMessageTests: BackfillSuite {
    @Test func runsAndRerunsStartedFromSlackEditOneProgressMessageToTheirOutcome() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try BackfillHarness(slack: slack)
            let routes = harness.routeTask()
            defer { routes.cancel() }


            // A backfill needs the tables it keeps: before the first run it is refused, and audited.
            let day = try harness.orderDays()[20]
            try await harness.command("backfill shop \(day) \(day)", responseURL: slack.responseURL("too-early"))
            let refused = try #require(try await slack.waitForCallsTo(responseURL: "too-early", count: 1).first?.body.description)
            #expect(refused.contains("`raw.customers`, `raw.products`, `raw.order_items`, `staging.stg_customers`"))
            #expect(refused.contains("Run the pipeline once with `/sluice run shop`, then backfill."))
            #expect(try await harness.state.read { try $0.auditLog(limit: 5) }.first { $0.action == "backfill.preview" }?.outcome == "failed")

            try await harness.command("run shop", responseURL: slack.responseURL("run"))
            #expect(try await slack.waitForCallsTo(responseURL: "run", count: 1).first?.body.description.contains("Started `shop` run 1") == true)
            try await harness.finish()

            let run = try #require(try await harness.state.read { try $0.run(id: 1) })
            #expect(run.state == .succeeded)
            let steps = try await harness.state.read { try $0.steps(runID: 1) }
            var top = await slack.topLevelMessages(in: Self.channel)
            #expect(top.count == 1)
            let progress = try #require(top.first)
            #expect(progress.text == "Progress of shop run 1: succeeded")
            #expect(progress.textHistory.first == "Progress of shop run 1: queued")
            // Edited as it went; the sender, reaching the backlog after the run, sends only the newest edit.
            #expect(try await harness.enqueuedEdits().contains("Progress of shop run 1: running"))
            #expect(progress.edits >= 1)
            #expect(progress.blocks.description.contains("\(steps.count)/\(steps.count) steps"))
            #expect(progress.blocks.description.contains("run 1 succeeded* in \(Format.duration(run.duration ?? -1))"))

            // Run 1 succeeded, so only a rerun of every step has anything to do.
            try await harness.command("rerun 1 --all", responseURL: slack.responseURL("rerun"))
            #expect(try await slack.waitForCallsTo(responseURL: "rerun", count: 1).first?.body.description.contains("as run 2") == true)
            try await harness.finish()
            top = await slack.topLevelMessages(in: Self.channel)
            #expect(top.count == 2)
            #expect(top.last?.text == "Progress of shop run 2: succeeded")
            #expect((top.last?.edits ?? 0) >= 1)
            #expect(await Self.posts(slack).count == 2)
        }
    }
}
