import Foundation
import SluiceCore
import Testing

/// A cursor column the load leaves undeclared is text; numbers and times in it must still order as
/// numbers and times, or a read from the watermark skips rows ("10" is after "9").
@Suite("Cursor order of undeclared (text) columns")
struct CursorTextOrderTests {
    @Test(arguments: [
        ("10", "9", ComparisonResult.orderedDescending),
        ("9", "10", .orderedAscending),
        ("12.5", "9.75", .orderedDescending),
        ("2024-05-01T10:00:00Z", "2024-05-01 11:30:00+02:00", .orderedDescending),
        ("2024-05-01", "2024-05-01 00:00:00", .orderedSame),
        ("b", "a", .orderedDescending),
        ("10", "abc", .orderedAscending),
    ])
    func ordersLikeTheirValues(value: String, watermark: String, expected: ComparisonResult) {
        #expect(Value.compareCursor(.string(value), watermark) == expected)
    }
}
