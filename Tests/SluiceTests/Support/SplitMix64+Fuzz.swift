@testable import Worker

/// Fuzz-test conveniences on the demo data's seeded generator, so fuzz rounds repeat exactly.
extension SplitMix64 {
    /// `count` pseudo-random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] {
        (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) }
    }

    /// One of `options`, which must not be empty.
    mutating func pick<T>(_ options: [T]) -> T {
        options[Int(next() % UInt64(options.count))]
    }
}
