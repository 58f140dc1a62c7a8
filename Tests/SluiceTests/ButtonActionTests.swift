import Foundation
import SluiceCore
import Testing

@Suite("ButtonAction: a button's encoding and its decoding are one model")
struct ButtonActionTests {
    static let every: [ButtonAction] = [
        .rerun(runID: 42), .confirmCost(pipeline: "shop"), .acknowledge(alertID: 7),
        .mute(alertID: 7, end: .after(.hours(1))), .mute(alertID: 7, end: .after(.hours(24))),
        .mute(alertID: 7, end: .untilTomorrow(MuteEnd.morning)), .mute(alertID: 7, end: .after(.minutes(90))),
        .mute(alertID: 7, end: .until(TimeOfDay(hour: 17, minute: 30))), .alertRerun(alertID: 7), .details(alertID: 7),
        .confirmBackfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-07"),
        .discardBackfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-01"),
        .cancelBackfill(backfillID: 3), .resumeBackfill(backfillID: 3),
        .confirmFullRefresh(pipeline: "shop"), .discardFullRefresh(pipeline: "shop"),
    ]

    @Test("every action reads back from its own action_id and value", arguments: every)
    func roundTrip(_ action: ButtonAction) {
        #expect(ButtonAction(actionID: action.actionID, value: action.value) == action)
        #expect(action.actionID.count <= BlockLimits.actionID)
    }

    /// Presses as Slack sends them back (`action_id`, `value`) and what they mean (nil: not one of
    /// Sluice's). The wire form of buttons already posted in Slack must keep meaning the same.
    static let presses: [(actionID: String, value: String, expected: ButtonAction?)] = [
        ("run.rerun", "42", .rerun(runID: 42)),
        ("run.confirm-cost", "shop", .confirmCost(pipeline: "shop")),
        ("alert.ack", "7", .acknowledge(alertID: 7)),
        ("alert.mute.1h", "7", .mute(alertID: 7, end: .after(.hours(1)))),
        ("alert.mute.4h", "7", .mute(alertID: 7, end: .after(.hours(4)))),
        ("alert.mute.24h", "7", .mute(alertID: 7, end: .after(.hours(24)))),
        ("alert.mute.tomorrow", "7", .mute(alertID: 7, end: .untilTomorrow(TimeOfDay(hour: 9, minute: 0)))),
        ("alert.rerun", "7", .alertRerun(alertID: 7)),
        ("alert.details", "7", .details(alertID: 7)),
        ("backfill.confirm", "shop 2026-03-01 2026-03-03", .confirmBackfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-03")),
        ("backfill.discard", "shop 2026-03-01 2026-03-03", .discardBackfill(pipeline: "shop", from: "2026-03-01", to: "2026-03-03")),
        ("backfill.cancel", "3", .cancelBackfill(backfillID: 3)),
        ("backfill.resume", "3", .resumeBackfill(backfillID: 3)),
        ("run.confirm-full-refresh", "shop", .confirmFullRefresh(pipeline: "shop")),
        ("run.discard-full-refresh", "shop", .discardFullRefresh(pipeline: "shop")),
        // Not Sluice's, or not what the action carries.
        ("alert.ack", "alert-42", nil),
        ("alert.ack", "", nil),
        ("alert.ack", "0", nil),
        ("alert.ack", "-3", nil),
        ("run.rerun", "99999999999999999999", nil),
        ("run.confirm-cost", "", nil),
        ("run.confirm-full-refresh", "", nil),
        ("alert.mute.forever", "7", nil),
        ("alert.mute.", "7", nil),
        ("alert.mute.4h extra", "7", nil),
        ("alert.mute.100d", "7", nil),
        ("backfill.confirm", "shop 2026-03-03 2026-03-01", nil),
        ("backfill.confirm", "shop 2026-02-30 2026-03-01", nil),
        ("backfill.confirm", "shop 2026-03-01", nil),
        ("backfill.cancel", "shop", nil),
        ("alert.snooze", "7", nil),
        ("", "", nil),
    ]

    @Test("reads the presses Slack sends back")
    func decodes() {
        for press in Self.presses {
            #expect(ButtonAction(actionID: press.actionID, value: press.value) == press.expected, "\(press.actionID) = '\(press.value)'")
        }
    }

    @Test("the buttons on an alert, a failed run, a cost refusal and a backfill are typed actions")
    func builtButtonsDecode() {
        let now = Date(timeIntervalSince1970: 1_795_000_000)
        let alert = AlertRecord(
            id: 7, fingerprint: "f", pipeline: "shop", check: "not_null_orders", table: "raw.orders", severity: .error,
            status: .open, title: "nulls", detail: "", runID: 41, openedAt: now, lastSeenAt: now)
        let onAlert = ConsoleRenderer.buttons(AlertMessages.message(for: alert, owners: [], timeZone: TimeZone(identifier: "UTC") ?? .current))
        #expect(onAlert.map(\.action) == [
            .acknowledge(alertID: 7), .mute(alertID: 7, end: .after(.hours(1))), .mute(alertID: 7, end: .after(.hours(4))),
            .mute(alertID: 7, end: .after(.hours(24))), .mute(alertID: 7, end: .untilTomorrow(MuteEnd.morning)),
            .alertRerun(alertID: 7), .details(alertID: 7),
        ])
        #expect(onAlert.map(\.actionID).contains("alert.mute.24h"))

        let run = RunRecord(id: 41, pipeline: "shop", state: .failed, trigger: .manual, requestedBy: "t", createdAt: now)
        let failed = StepRecord(runID: 41, stepID: "load:raw.orders", kind: .load, dependsOn: [], state: .failed, error: "boom")
        #expect(ConsoleRenderer.buttons(RunMessages.result(run, steps: [failed], owners: [])).map(\.action) == [.rerun(runID: 41)])
        let refused = RunMessages.costRefused(pipeline: "shop", reason: "too dear", jobs: [])
        #expect(ConsoleRenderer.buttons(refused).map(\.action) == [.confirmCost(pipeline: "shop")])

        let backfill = BackfillRecord(
            id: 3, pipeline: "shop", days: ["2026-03-01", "2026-03-02"], completedDays: [], currentDay: nil, state: .running,
            requestedBy: "U1", channel: "C1", createdAt: now, startedAt: now)
        #expect(ConsoleRenderer.buttons(BackfillMessages.started(backfill, resumed: false)).map(\.action) == [.cancelBackfill(backfillID: 3)])
        #expect(Button(text: "x", actionID: "not.ours", value: "1").action == nil)
    }
}
