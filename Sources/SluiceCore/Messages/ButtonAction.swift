import Foundation

/// What a Sluice button does, as a typed value. A button is built from one (`Button(text:action:)`)
/// and a press is read back into one (`ButtonAction(actionID:value:)`), so the wire form of every
/// button — its `action_id` and `value`, the ids named in `RunMessages`, `AlertMessages.Action` and
/// `BackfillMessages.Action` — is written and read in this one place. Buttons already posted keep
/// working: the wire form is the one Sluice has always used.
public enum ButtonAction: Sendable, Equatable {
    /// "Rerun from failed step" on a failed run's result.
    case rerun(runID: Int64)
    /// "Run anyway" on a run refused for its cost estimate.
    case confirmCost(pipeline: String)
    /// Acknowledge an alert (on the alert, in App Home, in `alerts`).
    case acknowledge(alertID: Int64)
    /// Mute an alert's check until `end`.
    case mute(alertID: Int64, end: MuteEnd)
    /// Rerun the run that raised an alert, from its failed step.
    case alertRerun(alertID: Int64)
    /// Show an alert's failing rows and query.
    case details(alertID: Int64)
    /// Confirm on a backfill preview: replace the days FROM to TO (`YYYY-MM-DD`, `from <= to`).
    case confirmBackfill(pipeline: String, from: String, to: String)
    /// Cancel on a backfill preview: nothing is changed.
    case discardBackfill(pipeline: String, from: String, to: String)
    /// Cancel on a running backfill's progress message.
    case cancelBackfill(backfillID: Int64)
    /// Resume on a stopped backfill's progress message.
    case resumeBackfill(backfillID: Int64)
    /// Confirm on a full-refresh preview: start the full refresh of the pipeline.
    case confirmFullRefresh(pipeline: String)
    /// Cancel on a full-refresh preview: nothing is changed.
    case discardFullRefresh(pipeline: String)

    /// The button's `action_id`.
    public var actionID: String {
        switch self {
        case .rerun: RunMessages.rerunAction
        case .confirmCost: RunMessages.confirmCostAction
        case .acknowledge: AlertMessages.Action.acknowledge
        case let .mute(_, end): AlertMessages.Action.mutePrefix + Self.muteSuffix(end)
        case .alertRerun: AlertMessages.Action.rerun
        case .details: AlertMessages.Action.details
        case .confirmBackfill: BackfillMessages.Action.confirm
        case .discardBackfill: BackfillMessages.Action.discard
        case .cancelBackfill: BackfillMessages.Action.cancel
        case .resumeBackfill: BackfillMessages.Action.resume
        case .confirmFullRefresh: RunMessages.confirmFullRefreshAction
        case .discardFullRefresh: RunMessages.discardFullRefreshAction
        }
    }

    /// The button's `value`: the id or name the action needs.
    public var value: String {
        switch self {
        case let .rerun(runID): String(runID)
        case let .confirmCost(pipeline), let .confirmFullRefresh(pipeline), let .discardFullRefresh(pipeline): pipeline
        case let .acknowledge(alertID), let .mute(alertID, _), let .alertRerun(alertID), let .details(alertID): String(alertID)
        case let .confirmBackfill(pipeline, from, to), let .discardBackfill(pipeline, from, to): "\(pipeline) \(from) \(to)"
        case let .cancelBackfill(backfillID), let .resumeBackfill(backfillID): String(backfillID)
        }
    }

    /// Reads a pressed button back; nil when the `action_id` is not one of Sluice's, or its `value`
    /// is not what that action carries (an id that is not a positive number, days that are not days).
    public init?(actionID: String, value: String) {
        if let action = Self.carryingAnID[actionID] {
            guard let id = Self.id(value) else { return nil }
            self = action(id)
        } else if let action = Self.carryingARange[actionID] {
            guard let (pipeline, from, to) = Self.range(value) else { return nil }
            self = action(pipeline, from, to)
        } else if let action = Self.carryingAPipeline[actionID] {
            guard !value.isEmpty else { return nil }
            self = action(value)
        } else if actionID.hasPrefix(AlertMessages.Action.mutePrefix) {
            let words = actionID.dropFirst(AlertMessages.Action.mutePrefix.count).split(separator: " ").map(String.init)
            guard let id = Self.id(value), let (end, consumed) = MuteEnd.parse(words), consumed == words.count else { return nil }
            self = .mute(alertID: id, end: end)
        } else {
            return nil
        }
    }

    /// The actions whose value is an id, by `action_id`.
    private static let carryingAnID: [String: @Sendable (Int64) -> ButtonAction] = [
        RunMessages.rerunAction: { .rerun(runID: $0) },
        AlertMessages.Action.acknowledge: { .acknowledge(alertID: $0) },
        AlertMessages.Action.rerun: { .alertRerun(alertID: $0) },
        AlertMessages.Action.details: { .details(alertID: $0) },
        BackfillMessages.Action.cancel: { .cancelBackfill(backfillID: $0) },
        BackfillMessages.Action.resume: { .resumeBackfill(backfillID: $0) },
    ]

    /// The actions whose value is a pipeline name, by `action_id`.
    private static let carryingAPipeline: [String: @Sendable (String) -> ButtonAction] = [
        RunMessages.confirmCostAction: { .confirmCost(pipeline: $0) },
        RunMessages.confirmFullRefreshAction: { .confirmFullRefresh(pipeline: $0) },
        RunMessages.discardFullRefreshAction: { .discardFullRefresh(pipeline: $0) },
    ]

    /// The actions whose value is a backfill range `PIPELINE FROM TO`, by `action_id`.
    private static let carryingARange: [String: @Sendable (String, String, String) -> ButtonAction] = [
        BackfillMessages.Action.confirm: { .confirmBackfill(pipeline: $0, from: $1, to: $2) },
        BackfillMessages.Action.discard: { .discardBackfill(pipeline: $0, from: $1, to: $2) },
    ]

    /// `1h`, `4h`, `24h`, `tomorrow` for the alert's mute choices (the ids buttons have always had);
    /// any other end as it is written (`until 09:00`), which `MuteEnd.parse` reads back.
    private static func muteSuffix(_ end: MuteEnd) -> String {
        AlertMessages.muteChoices.first { $0.end == end }?.suffix ?? end.description
    }

    /// A positive id in digits.
    private static func id(_ value: String) -> Int64? {
        guard (1...18).contains(value.count), value.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }),
              let id = Int64(value), id > 0
        else { return nil }
        return id
    }

    /// `PIPELINE FROM TO` with two valid days, the earlier first (checked without listing the days).
    private static func range(_ value: String) -> (String, String, String)? {
        let words = value.split(separator: " ").map(String.init)
        guard words.count == 3, let first = Days.dayNumber(of: words[1]), let last = Days.dayNumber(of: words[2]),
              first <= last
        else { return nil }
        return (words[0], words[1], words[2])
    }
}

extension Button {
    /// A button that does `action` when pressed.
    public init(text: String, action: ButtonAction, style: String? = nil, confirm: Confirmation? = nil) {
        self.init(text: text, actionID: action.actionID, value: action.value, style: style, confirm: confirm)
    }

    /// What pressing this button does; nil for a button that is not Sluice's.
    public var action: ButtonAction? {
        ButtonAction(actionID: actionID, value: value)
    }
}
