import SluiceCore

/// The smallest pipeline the alert tests record alerts for (they never run it): `shop` loads
/// orders.csv into raw.orders and checks its ids are not null; alerts go to #alerts.
enum AlertShop {
    /// The manifest, with `slack` added to the slack block (`escalate_after: 45m`) and `owners`.
    static func manifest(in workspace: Workspace, slack: String? = nil, owners: [String] = []) throws -> Manifest {
        try workspace.manifest("""
            timezone: UTC
            warehouse: { kind: sqlite, path: warehouse }
            slack: { default_channel: "#alerts"\(slack.map { ", \($0)" } ?? "") }
            pipelines:
              shop:
            \(owners.isEmpty ? "" : "    owners: [\(owners.joined(separator: ", "))]\n")\
                sources:
                  orders: { kind: csv, path: orders.csv }
                loads:
                  - { source: orders, table: raw.orders, write: truncate }
                checks:
                  - { not_null: raw.orders, column: id }
            """)
    }
}
