import Foundation

/// The period `cost` reports on.
public enum CostWindow: String, Sendable, Equatable, CaseIterable {
    /// Since local midnight.
    case today
    /// The last 7 days.
    case last7d = "7d"
    /// The last 30 days.
    case last30d = "30d"

    /// The word users type: `today`, `7d`, `30d`.
    public var word: String { rawValue }

    /// How many days the window spans, today included.
    public var days: Int {
        switch self {
        case .today: 1
        case .last7d: 7
        case .last30d: 30
        }
    }
}
