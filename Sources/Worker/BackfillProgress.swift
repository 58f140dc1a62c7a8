import Foundation
import SluiceCore
import StateStore

/// The bookkeeping of one execution of a backfill: every change to its record, and the throttled
/// edits of its progress message (through a `ProgressEditor`) in the same transactions. As the
/// observer of each day's run it edits the message with the step in progress.
actor BackfillProgress: RunObserver {
    private let state: any StateStore
    private let clock: any WallClock
    private let backfillID: Int64
    private let interval: TimeInterval
    private let started: Date
    private var daysAtStart = 0
    private var editor: ProgressEditor?
    private var step: StepProgress?

    init(state: any StateStore, clock: any WallClock, backfillID: Int64, interval: TimeInterval) {
        self.state = state
        self.clock = clock
        self.backfillID = backfillID
        self.interval = interval
        self.started = clock.now
    }

    /// Moves a queued backfill to running; any other backfill is returned unchanged.
    func claim() async throws -> BackfillRecord {
        let id = backfillID
        let record = try await state.read { try $0.backfill(id: id) }
        daysAtStart = record?.completedDays.count ?? 0
        editor = record.flatMap { BackfillRunner.editor(of: $0, interval: interval) }
        let now = clock.now
        let claimed = try await write(force: true) { backfill in
            guard backfill.state == .queued else { return false }
            backfill.state = .running
            backfill.startedAt = now
            backfill.finishedAt = nil
            return true
        }
        daysAtStart = claimed.completedDays.count
        return claimed
    }

    /// Changes the record; the progress message is edited too when `force` or the throttle allows.
    func update(force: Bool, _ change: @escaping @Sendable (inout BackfillRecord) -> Void) async throws -> BackfillRecord {
        try await write(force: force) { backfill in
            change(&backfill)
            return true
        }
    }

    /// Ends the execution with its outcome and edits the progress message a last time.
    func finish(_ outcome: BackfillState, error: String?, runID: Int64? = nil) async throws -> BackfillRecord {
        let now = clock.now
        step = nil
        return try await write(force: true) { backfill in
            backfill.state = outcome
            backfill.error = error
            backfill.currentDay = nil
            backfill.finishedAt = now
            if let runID { backfill.runIDs.append(runID) }
            return true
        }
    }

    func progressed(_ run: RunRecord, steps: [StepRecord]) async {
        step = StepProgress(steps: steps)
        guard editor?.isDue(at: clock.now) == true else { return }
        _ = try? await write(force: false) { _ in true }
    }

    func finished(_ run: RunRecord, steps: [StepRecord]) async {
        step = nil
    }

    /// Reads the record, applies `change` (which returns false to leave it alone) and saves it, with
    /// the progress edit when due, in one transaction that also survives the task's cancellation.
    private func write(force: Bool, _ change: @escaping @Sendable (inout BackfillRecord) -> Bool) async throws -> BackfillRecord {
        let now = clock.now
        let editor = self.editor.flatMap { force || $0.isDue(at: now) ? $0 : nil }
        let (id, step, started, daysAtStart, state) = (backfillID, self.step, self.started, self.daysAtStart, self.state)
        let (record, edited) = try await Task {
            try await state.write { writer -> (BackfillRecord, Bool) in
                guard var backfill = try writer.backfill(id: id) else { throw StateStoreError.notFound("backfill \(id)") }
                guard change(&backfill) else { return (backfill, false) }
                backfill.updatedAt = now
                try writer.updateBackfill(backfill)
                guard let editor else { return (backfill, false) }
                let done = backfill.completedDays.count - daysAtStart
                let eta = ProgressMessages.eta(
                    elapsed: now.timeIntervalSince(started), done: done, total: done + backfill.remainingDays.count)
                try editor.enqueueEdit(
                    ProgressMessages.backfill(backfill, step: backfill.state == .running ? step : nil, eta: eta, now: now),
                    in: writer, at: now)
                return (backfill, true)
            }
        }.value
        if edited { self.editor?.edited(at: now) }
        return record
    }
}
