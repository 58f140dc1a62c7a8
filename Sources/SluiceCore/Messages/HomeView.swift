import Foundation

/// The App Home tab: one user's dashboard of every pipeline's last and next run, freshness traffic
/// lights as of the last check, open alerts with Acknowledge buttons, active mutes and the month's
/// cost. Built from recorded state only (opening Home never queries the warehouse) and always within
/// `BlockLimits.homeBlocks`, however many pipelines, tables and alerts there are: long lists end with
/// "…and N more" and the command that lists them all.
public enum HomeView {
    /// One pipeline's line.
    public struct PipelineLine: Sendable, Equatable {
        /// Pipeline name.
        public var pipeline: String
        /// Its owners (user and user-group ids); the viewer's own pipelines come first.
        public var owners: [String]
        /// Its most recent run, if it ever ran.
        public var lastRun: RunRecord?
        /// Its next scheduled run; nil when it runs only on demand.
        public var nextRun: Date?

        /// Creates a pipeline line.
        public init(pipeline: String, owners: [String], lastRun: RunRecord?, nextRun: Date?) {
            self.pipeline = pipeline
            self.owners = owners
            self.lastRun = lastRun
            self.nextRun = nextRun
        }
    }

    /// A table's freshness verdict, as the last freshness check that ran recorded it.
    public struct FreshnessLine: Sendable, Equatable {
        /// The table (`raw.orders`).
        public var table: String
        /// The pipeline whose check it is.
        public var pipeline: String
        /// The recorded verdict; nil when the check has not run yet.
        public var verdict: FreshnessVerdict?
        /// What the check said, e.g. `raw.orders is 1h 02m old (warn after 3h; …)`.
        public var summary: String?
        /// The run that checked it.
        public var runID: Int64?
        /// When it was checked.
        public var checkedAt: Date?

        /// Creates a freshness line.
        public init(
            table: String, pipeline: String, verdict: FreshnessVerdict?, summary: String? = nil, runID: Int64? = nil,
            checkedAt: Date? = nil
        ) {
            self.table = table
            self.pipeline = pipeline
            self.verdict = verdict
            self.summary = summary
            self.runID = runID
            self.checkedAt = checkedAt
        }
    }

    /// What this calendar month's runs billed.
    public struct MonthCost: Sendable, Equatable {
        /// The month, `YYYY-MM`, in the manifest's time zone.
        public var month: String
        /// What the month's runs billed, by `CostLedger`'s rule.
        public var spend: Spend
        /// Dollars per TiB (`cost.price_per_tib`).
        public var pricePerTiB: Double
        /// False on the SQLite warehouse, which bills nothing (the figure is then $0, and says why).
        public var isBilled: Bool

        /// Creates a month's cost.
        public init(month: String, spend: Spend, pricePerTiB: Double, isBilled: Bool) {
            self.month = month
            self.spend = spend
            self.pricePerTiB = pricePerTiB
            self.isBilled = isBilled
        }
    }

    /// Everything the dashboard shows, read from the state store.
    public struct Dashboard: Sendable, Equatable {
        /// Every pipeline, in manifest order.
        public var pipelines: [PipelineLine]
        /// Every table with a freshness check.
        public var freshness: [FreshnessLine]
        /// Open and acknowledged alerts, newest first.
        public var alerts: [AlertRecord]
        /// Mutes that have not ended.
        public var mutes: [MuteRecord]
        /// This month's cost.
        public var cost: MonthCost

        /// Creates a dashboard.
        public init(
            pipelines: [PipelineLine], freshness: [FreshnessLine], alerts: [AlertRecord], mutes: [MuteRecord],
            cost: MonthCost
        ) {
            self.pipelines = pipelines
            self.freshness = freshness
            self.alerts = alerts
            self.mutes = mutes
            self.cost = cost
        }
    }

    /// Most pipeline blocks (sections plus a "…and N more" line).
    static let pipelineBlocks = 14
    /// Most freshness blocks.
    static let freshnessBlocks = 12
    /// Most unacknowledged alerts shown with their own Acknowledge button.
    static let alertButtons = 40
    /// Most blocks for the alerts beyond those (acknowledged ones, the rest).
    static let otherAlertBlocks = 6
    /// Most mute blocks.
    static let muteBlocks = 5
    /// Longest line of a list before it is cut.
    static let lineLength = 400

    /// The blocks of `user`'s Home tab at `now`; times are shown in each viewer's own time zone by
    /// Slack, with `timeZone` (the manifest's) for the "updated" line and fallbacks.
    public static func blocks(for user: String, dashboard: Dashboard, now: Date, timeZone: TimeZone) -> [Block] {
        var blocks: [Block] = [
            .header("Sluice"),
            .context(["Updated \(clock(now, timeZone)) (\(timeZone.identifier)) · refreshed when something changes · `/sluice help` lists the commands"]),
        ]
        blocks.append(.divider)
        blocks += pipelineSection(dashboard.pipelines, user: user, now: now, timeZone: timeZone)
        blocks.append(.divider)
        blocks += freshnessSection(dashboard.freshness, timeZone: timeZone)
        blocks.append(.divider)
        blocks += alertSection(dashboard.alerts, mutes: dashboard.mutes, now: now, timeZone: timeZone)
        blocks.append(.divider)
        blocks += muteSection(dashboard.mutes, timeZone: timeZone)
        blocks.append(.divider)
        blocks.append(costSection(dashboard.cost))
        return blocks.prefix(BlockLimits.homeBlocks).map(MessageFitting.fit)
    }

    // MARK: Sections

    /// Pipelines whose last run failed first, then the viewer's own, then manifest order.
    private static func pipelineSection(_ lines: [PipelineLine], user: String, now: Date, timeZone: TimeZone) -> [Block] {
        guard !lines.isEmpty else { return [.section(text: "*Pipelines*\nThe manifest has no pipelines.")] }
        let ordered = lines.enumerated().sorted { a, b in
            let rankA = rank(a.element, user: user)
            let rankB = rank(b.element, user: user)
            return rankA != rankB ? rankA < rankB : a.offset < b.offset
        }.map(\.element)
        let rows = ordered.map { pipelineRow($0, user: user, timeZone: timeZone) }
        return packed(["*Pipelines* (\(lines.count))"] + rows, limit: pipelineBlocks, shown: 1) { more in
            "…and \(more) more pipeline\(more == 1 ? "" : "s"): `/sluice status` lists them all"
        }
    }

    private static func rank(_ line: PipelineLine, user: String) -> Int {
        if let state = line.lastRun?.state, state == .failed || state == .interrupted { return 0 }
        return line.owners.contains(user) ? 1 : 2
    }

    private static func pipelineRow(_ line: PipelineLine, user: String, timeZone: TimeZone) -> String {
        var parts: [String] = []
        if let run = line.lastRun {
            var text = "\(StatusMessages.icon(run.state)) *\(line.pipeline)* · run \(run.id) \(run.state.rawValue)"
            if run.state.isActive {
                text += " since \(when(run.startedAt ?? run.createdAt, timeZone))"
            } else {
                text += " \(when(run.finishedAt ?? run.createdAt, timeZone))"
            }
            parts.append(text)
            if let duration = run.duration { parts.append("took \(Format.duration(duration))") }
        } else {
            parts.append(":white_circle: *\(line.pipeline)* · never run")
        }
        parts.append(line.nextRun.map { "next \(when($0, timeZone))" } ?? "on demand only")
        if line.owners.contains(user) { parts.append("yours") }
        if let run = line.lastRun, !run.state.isActive, run.state != .succeeded, let error = run.error {
            parts.append(MessageFitting.truncate(error, to: 150))
        }
        return parts.joined(separator: " · ")
    }

    /// Worst first (stale, warn, unknown), then the checks that have not run, then fresh.
    private static func freshnessSection(_ lines: [FreshnessLine], timeZone: TimeZone) -> [Block] {
        let title = "*Freshness* (as of the last run)"
        guard !lines.isEmpty else { return [.section(text: "\(title)\nNo table has a freshness check in the manifest.")] }
        let ordered = lines.enumerated().sorted { a, b in
            let rankA = rank(a.element.verdict)
            let rankB = rank(b.element.verdict)
            return rankA != rankB ? rankA < rankB : a.offset < b.offset
        }.map(\.element)
        let counts = [FreshnessVerdict.stale, .warn, .fresh].map { verdict in
            "\(verdict.icon) \(lines.filter { $0.verdict == verdict }.count)"
        }
        let heading = "\(title) · " + counts.joined(separator: " · ")
        let rows = ordered.map { item -> String in
            let icon = item.verdict?.icon ?? ":white_circle:"
            guard let summary = item.summary, let checkedAt = item.checkedAt else {
                return "\(icon) `\(item.table)` · not checked yet (pipeline `\(item.pipeline)`)"
            }
            let run = item.runID.map { "run \($0), " } ?? ""
            return "\(icon) `\(item.table)` · \(summary) · \(run)\(when(checkedAt, timeZone))"
        }
        return packed([heading] + rows, limit: freshnessBlocks, shown: 1) { more in
            "…and \(more) more table\(more == 1 ? "" : "s"): `/sluice freshness` checks them all"
        }
    }

    private static func rank(_ verdict: FreshnessVerdict?) -> Int {
        switch verdict {
        case .stale: 0
        case .warn: 1
        case .unknown: 2
        case nil: 3
        case .unchecked: 4
        case .fresh: 5
        }
    }

    /// Unacknowledged alerts (errors first) each with an Acknowledge button; acknowledged ones and
    /// any beyond `alertButtons` as plain lines.
    private static func alertSection(_ alerts: [AlertRecord], mutes: [MuteRecord], now: Date, timeZone: TimeZone) -> [Block] {
        let unresolved = alerts.filter { $0.status != .resolved }
        guard !unresolved.isEmpty else { return [.section(text: "*Open alerts*\n:white_check_mark: No open alerts.")] }
        let open = unresolved.filter { $0.status == .open }.enumerated().sorted { a, b in
            let errorA = a.element.severity == .error
            let errorB = b.element.severity == .error
            return errorA != errorB ? errorA : a.offset < b.offset
        }.map(\.element)
        let acknowledged = unresolved.filter { $0.status == .acknowledged }
        let errors = unresolved.filter { $0.severity == .error }.count
        var blocks: [Block] = [.section(text:
            "*Open alerts* (\(unresolved.count)) · :rotating_light: \(errors) error\(errors == 1 ? "" : "s") · "
                + ":warning: \(unresolved.count - errors) warning\(unresolved.count - errors == 1 ? "" : "s") · "
                + "\(acknowledged.count) acknowledged")]
        for alert in open.prefix(alertButtons) {
            let button = Button(text: "Acknowledge", action: .acknowledge(alertID: alert.id), style: "primary")
            blocks.append(.section(text: alertText(alert, mutes: mutes, now: now, timeZone: timeZone), accessory: button))
        }
        let rest = (open.dropFirst(alertButtons) + acknowledged).map { alert in
            alertText(alert, mutes: mutes, now: now, timeZone: timeZone).replacingOccurrences(of: "\n", with: " · ")
        }
        blocks += packed(rest, limit: otherAlertBlocks, shown: 0) { more in
            "…and \(more) more alert\(more == 1 ? "" : "s"): `/sluice alerts` lists them all"
        }
        return blocks
    }

    private static func alertText(_ alert: AlertRecord, mutes: [MuteRecord], now: Date, timeZone: TimeZone) -> String {
        let kind = alert.severity == .error ? ":rotating_light:" : ":warning:"
        let subject = ["`\(alert.pipeline)`", "`\(alert.check)`"] + (alert.table.map { ["`\($0)`"] } ?? [])
        var facts = ["opened \(when(alert.openedAt, timeZone))"]
        if alert.occurrences > 1 { facts.append("seen \(alert.occurrences)×") }
        if let by = alert.acknowledgedBy {
            facts.append(":eyes: acknowledged by \(Mentions.mention(by))" + (alert.acknowledgedAt.map { " \(when($0, timeZone))" } ?? ""))
        }
        if AlertLifecycle.isMuted(alert, by: mutes, at: now) { facts.append(":mute: muted") }
        return "\(kind) *Alert \(alert.id)* · " + subject.joined(separator: " · ") + "\n"
            + MessageFitting.truncate(alert.title, to: 300) + "\n" + facts.joined(separator: " · ")
    }

    private static func muteSection(_ mutes: [MuteRecord], timeZone: TimeZone) -> [Block] {
        guard !mutes.isEmpty else { return [.section(text: "*Active mutes*\nNothing is muted.")] }
        let rows = mutes.sorted { $0.endsAt < $1.endsAt }.map { mute in
            ":mute: `\(mute.target)` until \(when(mute.endsAt, timeZone)) · by \(Mentions.mention(mute.createdBy))"
                + (mute.reason.map { ": \($0)" } ?? "")
        }
        return packed(["*Active mutes* (\(mutes.count))"] + rows, limit: muteBlocks, shown: 1) { more in
            "…and \(more) more mute\(more == 1 ? "" : "s"): `/sluice mutes` lists them all"
        }
    }

    private static func costSection(_ cost: MonthCost) -> Block {
        let title = "*Cost this month* (\(monthName(cost.month)))"
        guard cost.isBilled else {
            return .section(text: "\(title): \(Format.dollars(0))\nThe SQLite warehouse bills nothing. On BigQuery this is the "
                + "bytes billed × \(Format.dollars(cost.pricePerTiB))/TiB; `/sluice cost PIPELINE --estimate` estimates a run at that price.")
        }
        return .section(text: "\(title): *\(Format.dollars(cost.spend.dollars))* · \(Format.bytes(cost.spend.bytesBilled)) billed "
            + "at \(Format.dollars(cost.pricePerTiB))/TiB · `/sluice cost` has the details")
    }

    // MARK: Helpers

    /// Packs lines into sections of at most `BlockLimits.sectionText` characters and at most `limit`
    /// blocks; when they do not fit, the last block says how many of the lines were left out, using
    /// `more`. The first `shown` lines are headings, not counted as items.
    static func packed(_ lines: [String], limit: Int, shown headings: Int, more: (Int) -> String) -> [Block] {
        guard !lines.isEmpty else { return [] }
        guard limit >= 2 else { return [.context([more(max(lines.count - headings, 0))])] }
        var blocks: [Block] = []
        var current = ""
        for (index, raw) in lines.enumerated() {
            let line = MessageFitting.truncate(raw, to: lineLength)
            if current.isEmpty {
                current = line
            } else if current.count + 1 + line.count <= BlockLimits.sectionText {
                current += "\n" + line
            } else if blocks.count + 2 >= limit {
                blocks.append(.section(text: current))
                blocks.append(.context([more(lines.count - max(index, headings))]))
                return blocks
            } else {
                blocks.append(.section(text: current))
                current = line
            }
        }
        blocks.append(.section(text: current))
        return blocks
    }

    /// Slack renders `<!date^…>` in each viewer's own time zone ("today 14:05"); the fallback is the
    /// manifest's local time.
    private static func when(_ date: Date, _ timeZone: TimeZone) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return "<!date^\(seconds)^{date_short_pretty} {time}|\(Days.string(date, in: timeZone)) \(clock(date, timeZone))>"
    }

    /// `HH:MM` in `timeZone`.
    private static func clock(_ date: Date, _ timeZone: TimeZone) -> String {
        let local = Int64(date.timeIntervalSince1970.rounded(.down)) + Int64(timeZone.secondsFromGMT(for: date))
        let minuteOfDay = Days.floorModulo(local, 86_400) / 60
        let hour = minuteOfDay / 60
        let minute = minuteOfDay % 60
        return (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    /// `November 2026` for `2026-11`.
    private static func monthName(_ month: String) -> String {
        let names = [
            "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
            "November", "December",
        ]
        let parts = month.split(separator: "-")
        guard parts.count == 2, let number = Int(parts[1]), (1...12).contains(number) else { return month }
        return "\(names[number - 1]) \(parts[0])"
    }
}
