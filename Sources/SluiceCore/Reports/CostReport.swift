import Foundation

/// What recorded runs billed in a window — in total, per pipeline, per step kind and per model — and
/// the month's projection at the current schedules (runs per day × average billed per run). Pure;
/// `/sluice cost`, the digest and App Home render it.
public struct CostReport: Sendable, Equatable {
    /// One pipeline's spend in the window and its projection.
    public struct PipelineCost: Sendable, Equatable {
        /// Pipeline name.
        public var pipeline: String
        /// Runs created in the window.
        public var runs: Int
        /// Bytes billed by those runs' steps.
        public var bytesBilled: Int64
        /// Dollars for `bytesBilled`.
        public var dollars: Double
        /// Runs the average is taken over: the window's runs other than backfills (one-offs).
        public var averagedRuns: Int
        /// Mean bytes billed per averaged run; nil without one.
        public var averageBytesPerRun: Double?
        /// Runs a day at the pipeline's schedule (0 without one).
        public var runsPerDay: Int
        /// `runsPerDay × average dollars per run`; nil without an average.
        public var projectedDailyDollars: Double?
        /// `projectedDailyDollars × days in the month`; nil without an average.
        public var projectedMonthDollars: Double?

        /// Creates a pipeline's cost line.
        public init(
            pipeline: String, runs: Int, bytesBilled: Int64, dollars: Double, averagedRuns: Int, averageBytesPerRun: Double?,
            runsPerDay: Int, projectedDailyDollars: Double?, projectedMonthDollars: Double?
        ) {
            self.pipeline = pipeline
            self.runs = runs
            self.bytesBilled = bytesBilled
            self.dollars = dollars
            self.averagedRuns = averagedRuns
            self.averageBytesPerRun = averageBytesPerRun
            self.runsPerDay = runsPerDay
            self.projectedDailyDollars = projectedDailyDollars
            self.projectedMonthDollars = projectedMonthDollars
        }
    }

    /// Spend of one step kind.
    public struct KindCost: Sendable, Equatable {
        /// Load, model or check.
        public var kind: StepKind
        /// Steps of that kind in the window's runs.
        public var steps: Int
        /// Bytes they billed.
        public var bytesBilled: Int64
        /// Dollars for `bytesBilled`.
        public var dollars: Double

        /// Creates a kind's cost.
        public init(kind: StepKind, steps: Int, bytesBilled: Int64, dollars: Double) {
            self.kind = kind
            self.steps = steps
            self.bytesBilled = bytesBilled
            self.dollars = dollars
        }
    }

    /// Spend of one model across the window's runs.
    public struct ModelCost: Sendable, Equatable {
        /// The model's step id (`model:mart.daily_sales`) without its prefix: the table it builds.
        public var model: String
        /// The pipeline it belongs to.
        public var pipeline: String
        /// Builds in the window: model steps that ran (succeeded or failed) or billed anything.
        public var builds: Int
        /// Bytes they billed.
        public var bytesBilled: Int64
        /// Dollars for `bytesBilled`.
        public var dollars: Double

        /// Creates a model's cost.
        public init(model: String, pipeline: String, builds: Int, bytesBilled: Int64, dollars: Double) {
            self.model = model
            self.pipeline = pipeline
            self.builds = builds
            self.bytesBilled = bytesBilled
            self.dollars = dollars
        }
    }

    /// The window.
    public var window: CostWindow
    /// Its start: local midnight `window.days − 1` days before today.
    public var since: Date
    /// Its end.
    public var now: Date
    /// Dollars per TiB.
    public var pricePerTiB: Double
    /// Runs in the window.
    public var runs: Int
    /// Bytes billed in the window.
    public var bytesBilled: Int64
    /// Dollars for `bytesBilled`.
    public var dollars: Double
    /// Per pipeline, in the order given.
    public var pipelines: [PipelineCost]
    /// Per step kind: load, model, check.
    public var kinds: [KindCost]
    /// The models that billed the most, most first (only those that billed anything).
    public var topModels: [ModelCost]
    /// The month projected: `YYYY-MM` in the manifest's time zone.
    public var month: String
    /// Days in that month.
    public var daysInMonth: Int
    /// Sum of the pipelines' daily projections.
    public var projectedDailyDollars: Double
    /// Sum of the pipelines' month projections.
    public var projectedMonthDollars: Double
    /// `cost.daily_budget`, when set.
    public var dailyBudget: Double?

    /// Builds the report from runs with their steps (runs created before the window's start, or of
    /// other pipelines than `pipelines`, are ignored).
    public init(
        window: CostWindow, now: Date, timeZone: TimeZone, pipelines: [Pipeline], runs: [(run: RunRecord, steps: [StepRecord])],
        pricePerTiB: Double, dailyBudget: Double?, topModelCount: Int = 5
    ) {
        let since = Self.windowStart(window, now: now, timeZone: timeZone)
        let names = Set(pipelines.map(\.name))
        let inWindow = runs.filter { names.contains($0.run.pipeline) && $0.run.createdAt >= since && $0.run.createdAt <= now }
        let ledger = CostLedger(runs: inWindow.map { RunFigures(run: $0.run, steps: $0.steps) }, pricePerTiB: pricePerTiB, timeZone: timeZone)
        let days = Self.daysInMonth(of: now, timeZone: timeZone)
        func dollars(_ bytes: Int64) -> Double { CostModel.dollars(bytes: bytes, pricePerTiB: pricePerTiB) }
        func billed(_ steps: [StepRecord]) -> Int64 { steps.reduce(0) { $0 &+ max($1.bytesBilled, 0) } }

        self.window = window
        self.since = since
        self.now = now
        self.pricePerTiB = pricePerTiB
        self.dailyBudget = dailyBudget
        let total = ledger.spend(from: since, to: now)
        self.runs = total.runs
        bytesBilled = total.bytesBilled
        self.dollars = total.dollars
        month = String(Days.string(now, in: timeZone).prefix(7))
        daysInMonth = days

        self.pipelines = pipelines.map { pipeline in
            let own = ledger.runs.filter { $0.run.pipeline == pipeline.name }
            let averaged = own.filter { $0.run.trigger != .backfill }
            let average = averaged.isEmpty ? nil : Double(ledger.spend(of: averaged).bytesBilled) / Double(averaged.count)
            let perDay = Self.runsPerDay(pipeline.schedule, after: now, timeZone: timeZone)
            let daily = average.map { Double(perDay) * $0 / CostModel.bytesPerTiB * pricePerTiB }
            let spend = ledger.spend(of: own)
            return PipelineCost(
                pipeline: pipeline.name, runs: spend.runs, bytesBilled: spend.bytesBilled, dollars: spend.dollars,
                averagedRuns: averaged.count, averageBytesPerRun: average, runsPerDay: perDay,
                projectedDailyDollars: daily, projectedMonthDollars: daily.map { $0 * Double(days) })
        }
        projectedDailyDollars = self.pipelines.compactMap(\.projectedDailyDollars).reduce(0, +)
        projectedMonthDollars = self.pipelines.compactMap(\.projectedMonthDollars).reduce(0, +)

        let steps = inWindow.flatMap(\.steps)
        kinds = [StepKind.load, .model, .check].map { kind in
            let ofKind = steps.filter { $0.kind == kind }
            let bytes = billed(ofKind)
            return KindCost(kind: kind, steps: ofKind.count, bytesBilled: bytes, dollars: dollars(bytes))
        }

        var models: [String: ModelCost] = [:]
        for (run, steps) in inWindow {
            for step in steps where step.kind == .model {
                let name = step.stepID.hasPrefix("model:") ? String(step.stepID.dropFirst("model:".count)) : step.stepID
                var entry = models[name] ?? ModelCost(model: name, pipeline: run.pipeline, builds: 0, bytesBilled: 0, dollars: 0)
                entry.builds += step.state.isFinished && step.state != .skipped && step.state != .cancelled || step.bytesBilled > 0 ? 1 : 0
                entry.bytesBilled += max(step.bytesBilled, 0)
                entry.dollars = dollars(entry.bytesBilled)
                models[name] = entry
            }
        }
        topModels = Array(
            models.values.filter { $0.bytesBilled > 0 }
                .sorted { ($0.bytesBilled, $1.model) > ($1.bytesBilled, $0.model) }
                .prefix(max(topModelCount, 0)))
    }

    /// Average dollars per day over the window.
    public var averageDailyDollars: Double { dollars / Double(window.days) }

    /// The window's start: local midnight of the day `window.days − 1` days before `now`'s local day.
    public static func windowStart(_ window: CostWindow, now: Date, timeZone: TimeZone) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = CostLedger.startOfDay(now, in: timeZone)
        return calendar.date(byAdding: .day, value: -(window.days - 1), to: today) ?? today
    }

    /// How many times `schedule` fires in the 24 hours after `date` (0 without a schedule).
    public static func runsPerDay(_ schedule: CronSchedule?, after date: Date, timeZone: TimeZone) -> Int {
        guard let schedule else { return 0 }
        let end = date.addingTimeInterval(86_400)
        var fires = 0
        var cursor = date
        while let next = schedule.nextFire(after: cursor, in: timeZone), next <= end {
            fires += 1
            cursor = next
        }
        return fires
    }

    /// Days in the month of `date` in `timeZone`.
    public static func daysInMonth(of date: Date, timeZone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        return calendar.range(of: .day, in: .month, for: date)?.count ?? 30
    }
}
