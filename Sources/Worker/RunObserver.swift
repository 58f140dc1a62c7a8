import Foundation
import SluiceCore

/// Watches one run as it executes (progress messages in Slack, backfill bookkeeping). Called after
/// each step finishes and once when the run has finished and been recorded.
public protocol RunObserver: Sendable {
    /// A step finished; `steps` holds every step's current record.
    func progressed(_ run: RunRecord, steps: [StepRecord]) async
    /// The run finished and its final state is stored.
    func finished(_ run: RunRecord, steps: [StepRecord]) async
}
