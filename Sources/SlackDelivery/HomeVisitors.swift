import Foundation
import StateStore

/// Who opened App Home recently, kept in the state store's settings so a restart keeps updating
/// their dashboards: `home.opened.USER` holds when they last opened it (seconds since 1970) and
/// `home.users` lists them. The one place these keys are written.
enum HomeVisitors {
    /// The settings key holding when `user` last opened Home.
    static func openedKey(user: String) -> String { "home.opened.\(user)" }
    /// The settings key listing the users who opened Home within the recent window (space-separated ids).
    static let usersKey = "home.users"

    /// Records that `user` opened Home at `now`; `users` is every recent visitor, them included.
    static func record(_ user: String, at now: Date, users: [String], in writer: any StateWriter) throws {
        try writer.setSetting(openedKey(user: user), value: String(now.timeIntervalSince1970))
        try writer.setSetting(usersKey, value: users.sorted().joined(separator: " "))
    }

    /// Every recorded visitor and when they last opened Home.
    static func load(_ reader: any StateReader) throws -> [String: Date] {
        let users = (try reader.setting(usersKey) ?? "").split(separator: " ").map(String.init)
        var opened: [String: Date] = [:]
        for user in users {
            if let text = try reader.setting(openedKey(user: user)), let seconds = TimeInterval(text) {
                opened[user] = Date(timeIntervalSince1970: seconds)
            }
        }
        return opened
    }
}
