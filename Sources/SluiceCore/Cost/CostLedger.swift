import Foundation

/// A run and what it moved: rows loaded and bytes billed, summed from its steps.
public struct RunFigures: Sendable, Equatable {
    /// The run.
    public var run: RunRecord
    /// Rows loaded by its succeeded load steps.
    public var rowsLoaded: Int64
    /// Bytes billed by its warehouse jobs.
    public var bytesBilled: Int64

    /// Creates run figures.
    public init(run: RunRecord, rowsLoaded: Int64, bytesBilled: Int64) {
        self.run = run
        self.rowsLoaded = rowsLoaded
        self.bytesBilled = bytesBilled
    }

    /// Sums `steps` as the state store's `runFigures` query does: rows of succeeded loads, bytes of every step.
    public init(run: RunRecord, steps: [StepRecord]) {
        self.init(
            run: run,
            rowsLoaded: steps.filter { $0.kind == .load && $0.state == .succeeded }.reduce(0) { $0 &+ ($1.rows ?? 0) },
            bytesBilled: steps.reduce(0) { $0 &+ max($1.bytesBilled, 0) })
    }
}

/// Bytes billed by some runs and what they cost.
public struct Spend: Sendable, Equatable {
    /// How many runs.
    public var runs: Int
    /// Bytes their steps billed.
    public var bytesBilled: Int64
    /// Dollars for `bytesBilled`.
    public var dollars: Double

    /// Creates a spend.
    public init(runs: Int, bytesBilled: Int64, dollars: Double) {
        self.runs = runs
        self.bytesBilled = bytesBilled
        self.dollars = dollars
    }
}

/// What recorded runs billed, by the one rule every surface uses (`/sluice cost`, the digest, App
/// Home, the cost guard): a run's billed bytes count at the instant it was created, on that
/// instant's local day in the manifest's time zone, at `CostModel.dollars` for the manifest's price.
public struct CostLedger: Sendable {
    /// The runs, in any order.
    public let runs: [RunFigures]
    /// Dollars per TiB.
    public let pricePerTiB: Double
    /// The manifest's time zone (local days).
    public let timeZone: TimeZone

    /// Creates a ledger over `runs`.
    public init(runs: [RunFigures], pricePerTiB: Double, timeZone: TimeZone) {
        self.runs = runs
        self.pricePerTiB = pricePerTiB
        self.timeZone = timeZone
    }

    /// What the runs created in `[start, end]` billed, of `pipelines` only when given.
    public func spend(from start: Date, to end: Date = .distantFuture, pipelines: Set<String>? = nil) -> Spend {
        sum(runs.filter { figures in
            figures.run.createdAt >= start && figures.run.createdAt <= end && (pipelines?.contains(figures.run.pipeline) ?? true)
        })
    }

    /// What `figures` (runs of this ledger or any) billed.
    public func spend(of figures: [RunFigures]) -> Spend {
        sum(figures)
    }

    /// What the runs created on local day `day` (`YYYY-MM-DD`) billed.
    public func spend(onDay day: String) -> Spend {
        sum(runs.filter { self.day(of: $0.run) == day })
    }

    /// What each pipeline's runs created on `day` billed, costliest first; pipelines that billed nothing are left out.
    public func byPipeline(onDay day: String) -> [(pipeline: String, spend: Spend)] {
        Dictionary(grouping: runs.filter { self.day(of: $0.run) == day }, by: \.run.pipeline)
            .map { (pipeline: $0.key, spend: sum($0.value)) }
            .filter { $0.spend.bytesBilled > 0 }
            .sorted { ($0.spend.bytesBilled, $1.pipeline) > ($1.spend.bytesBilled, $0.pipeline) }
    }

    /// The local day a run's spend counts on.
    public func day(of run: RunRecord) -> String {
        Days.string(run.createdAt, in: timeZone)
    }

    /// Local midnight of `date`'s day.
    public static func startOfDay(_ date: Date, in timeZone: TimeZone) -> Date {
        calendar(timeZone).startOfDay(for: date)
    }

    /// Local midnight of the first day of `date`'s month.
    public static func startOfMonth(_ date: Date, in timeZone: TimeZone) -> Date {
        let calendar = calendar(timeZone)
        return calendar.dateInterval(of: .month, for: date)?.start ?? calendar.startOfDay(for: date)
    }

    private static func calendar(_ timeZone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar
    }

    private func sum(_ figures: [RunFigures]) -> Spend {
        let bytes = figures.reduce(Int64(0)) { $0 &+ max($1.bytesBilled, 0) }
        return Spend(runs: figures.count, bytesBilled: bytes, dollars: CostModel.dollars(bytes: bytes, pricePerTiB: pricePerTiB))
    }
}
