import Foundation
import SluiceCore
@testable import Worker

/// One version of a sale row in a source file.
struct SaleVersion: Equatable, Hashable {
    var id: Int
    var day: String
    var amount: Int
    /// Seconds after `LoadRuleModel.epoch`: the cursor.
    var updatedAt: Int

    /// The CSV line.
    var csv: String { "\(id),\(day),\(amount),\(LoadRuleModel.timestamp(updatedAt))" }
    /// The row as the warehouse returns it as text.
    var cells: [String?] { [String(id), day, String(amount), LoadRuleModel.timestamp(updatedAt)] }
}

/// A random history of source changes and operations on a `sales_{date}.csv` pipeline (incremental by
/// `updated_at`, `write: merge` on `id`, partitioned by `sale_date`), with its oracle: the newest
/// version of every key ever written to a source file. The shapes the load rule must survive: daily
/// files, amendments in later files (same or another day), new rows exactly at the watermark, late
/// files for old days with old cursors, corrected old files, touched files, runs, backfills, full
/// refreshes and crashes after a load committed.
struct LoadRuleModel {
    /// What the sequence does next.
    enum Action: Equatable, CustomStringConvertible {
        /// Source change: write (or rewrite) the file of a day with these rows.
        case writeFile(day: String, rows: [SaleVersion])
        /// Source change: the file is rewritten with the same bytes (a new modification time).
        case touch(day: String)
        /// An incremental run.
        case run
        /// An incremental load that committed in the warehouse, then the process died before the
        /// state store recorded anything (files read, watermark, step).
        case crashAfterLoad
        /// A backfill of these days.
        case backfill([String])
        /// A full refresh.
        case fullRefresh

        var description: String {
            switch self {
            case let .writeFile(day, rows): "write \(day) (\(rows.count) rows)"
            case let .touch(day): "touch \(day)"
            case .run: "run"
            case .crashAfterLoad: "crash after load"
            case let .backfill(days): "backfill \(days.joined(separator: ","))"
            case .fullRefresh: "full refresh"
            }
        }
    }

    static let epoch = Date(timeIntervalSince1970: 1_767_225_600) // 2026-01-01 00:00:00 UTC
    static let header = "id,sale_date,amount,updated_at"

    private var random: SplitMix64
    /// The rows each file holds now, by its day.
    private(set) var files: [String: [SaleVersion]] = [:]
    /// The newest version of every key ever written.
    private(set) var oracle: [Int: SaleVersion] = [:]
    /// True when a source changed since the last run that read everything new.
    private(set) var pending = false
    private var nextID = 1
    private var newestCursor = 1_000_000
    private var newestDay = 0

    init(seed: UInt64) {
        random = SplitMix64(seed: seed)
    }

    static func day(_ index: Int) -> String {
        let date = epoch.addingTimeInterval(TimeInterval(index) * 86_400)
        return String(Self.timestamp(date).prefix(10))
    }

    static func timestamp(_ seconds: Int) -> String { timestamp(epoch.addingTimeInterval(TimeInterval(seconds))) }

    private static func timestamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// The CSV text of a day's file.
    func text(of day: String) -> String {
        ([Self.header] + (files[day] ?? []).map(\.csv)).joined(separator: "\n") + "\n"
    }

    /// The oracle's rows, by id, as the warehouse returns them.
    func expected(days: Set<String>? = nil) -> [[String?]] {
        oracle.values.filter { days?.contains($0.day) ?? true }.sorted { $0.id < $1.id }.map(\.cells)
    }

    private mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }

    private mutating func newRows(day: String, cursors: [Int]) -> [SaleVersion] {
        cursors.map { cursor in
            defer { nextID += 1 }
            return SaleVersion(id: nextID, day: day, amount: int(1...999), updatedAt: cursor)
        }
    }

    /// A newer version of an existing key: a new amount, usually the same day, sometimes moved.
    private mutating func amendment() -> SaleVersion? {
        guard !oracle.isEmpty else { return nil }
        let keys = oracle.keys.sorted()
        var version = oracle[keys[int(0...(keys.count - 1))]] ?? SaleVersion(id: 0, day: "", amount: 0, updatedAt: 0)
        newestCursor += int(1...50)
        version.updatedAt = newestCursor
        version.amount += int(1...100)
        if int(0...5) == 0, newestDay > 0 { version.day = Self.day(int(0...newestDay)) }
        return version
    }

    private mutating func record(_ rows: [SaleVersion], in day: String) {
        files[day] = rows
        for row in rows where (oracle[row.id]?.updatedAt ?? Int.min) < row.updatedAt {
            oracle[row.id] = row
        }
        pending = true
    }

    /// The next action, applied to the model.
    mutating func next() -> Action {
        let roll = files.isEmpty ? 0 : int(0...99)
        switch roll {
        case 0..<30:
            // A new day: new rows (a few exactly at the newest cursor so far), and amendments of
            // older keys carried in this later file.
            newestDay += files.isEmpty ? 0 : 1
            let day = Self.day(newestDay)
            var rows = newRows(day: day, cursors: Array(repeating: newestCursor, count: int(0...3)))
            var seen = Set(rows.map(\.id))
            for _ in 0..<int(0...4) {
                guard let amended = amendment(), seen.insert(amended.id).inserted else { continue }
                rows.append(amended)
            }
            var cursors: [Int] = []
            for _ in 0..<int(1...6) {
                newestCursor += int(0...2)
                cursors.append(newestCursor)
            }
            rows += newRows(day: day, cursors: cursors)
            record(rows, in: day)
            return .writeFile(day: day, rows: rows)
        case 30..<38:
            // A late file for an old day that has none yet: new keys with cursors older than any loaded.
            let old = int(0...newestDay)
            let day = Self.day(old)
            guard files[day] == nil else { return .touch(day: files.keys.sorted()[0]) }
            let base = 1_000_000 - 10_000 + old
            var cursors: [Int] = []
            for _ in 0..<int(1...4) { cursors.append(base + int(0...500)) }
            let rows = newRows(day: day, cursors: cursors)
            record(rows, in: day)
            return .writeFile(day: day, rows: rows)
        case 38..<46:
            // A corrected old file: some of its rows get newer versions, and a forgotten row is added.
            let days = files.keys.sorted()
            let day = days[int(0...(days.count - 1))]
            var rows = files[day] ?? []
            for index in rows.indices where int(0...2) == 0 {
                newestCursor += int(1...20)
                if (oracle[rows[index].id]?.updatedAt ?? 0) < newestCursor {
                    rows[index].amount += 1
                    rows[index].updatedAt = newestCursor
                    rows[index].day = oracle[rows[index].id]?.day ?? day
                }
            }
            var cursors: [Int] = []
            for _ in 0..<int(0...1) { cursors.append(1_000_000 - 20_000 + int(0...100)) }
            rows += newRows(day: day, cursors: cursors)
            record(rows, in: day)
            return .writeFile(day: day, rows: rows)
        case 46..<50:
            return .touch(day: files.keys.sorted()[int(0...(files.count - 1))])
        case 50..<75:
            pending = false
            return .run
        case 75..<82:
            pending = false
            return .crashAfterLoad
        case 82..<94:
            let first = int(0...newestDay)
            return .backfill((first...min(first + int(0...2), newestDay)).map(Self.day))
        default:
            pending = false
            return .fullRefresh
        }
    }
}

extension LoadRuleModel {
    /// Seconds after `epoch` of a `YYYY-MM-DD HH:MM:SS` UTC timestamp.
    static func seconds(_ text: String) -> Int? {
        guard let seconds = Value.timestamp(text).secondsSince1970 else { return nil }
        return Int(seconds) - Int(epoch.timeIntervalSince1970)
    }
}
