import GRDB

/// The reader handed to `SQLiteStateStore.read`: the queries over a read-only snapshot.
struct SQLiteStateReader: SQLiteStateQueries {
    /// The connection; valid only inside the `read` closure that made this value.
    let db: Database
}
