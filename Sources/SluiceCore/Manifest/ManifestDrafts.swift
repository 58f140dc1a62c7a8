import Yams

/// A table name read from the manifest, with where it was written.
struct ManifestTableReference {
    /// The table.
    var table: TableName
    /// Its position in the manifest.
    var mark: Mark?
}

/// A table named in SQL (a model's file or a check's query), with the manifest position to report it at.
struct ManifestSQLReference {
    /// The table the SQL reads.
    var table: TableName
    /// The `sql:`/`sqlite_sql:`/`query:` value that brought the SQL in.
    var mark: Mark?
    /// Where the SQL came from, for messages: the SQL file's path, or `the query`.
    var origin: String
}

/// `slack:` as read, before cross-checks decide whether `default_channel` was required.
struct ManifestSlackDraft {
    /// `default_channel`, if given.
    var defaultChannel: String?
    /// The digest, if configured.
    var digest: DigestConfig?
    /// Where the digest mapping is, for "needs a channel".
    var digestMark: Mark?
    /// `escalate_after`, default 60 minutes.
    var escalateAfter: TimeSpan = .minutes(60)
}

/// A pipeline as read, before manifest-wide cross-checks.
struct ManifestPipelineDraft {
    /// The pipeline's name.
    var name: String
    /// The name key's position.
    var nameMark: Mark?
    /// Cron schedule, if any.
    var schedule: CronSchedule?
    /// Channel, if any.
    var channel: String?
    /// Owner ids.
    var owners: [String] = []
    /// Step parallelism.
    var maxParallelism = 4
    /// Complete sources.
    var sources: [Source] = []
    /// Loads, complete or not.
    var loads: [ManifestLoadDraft] = []
    /// Models, complete or not.
    var models: [ManifestModelDraft] = []
    /// Checks, complete or not.
    var checks: [ManifestCheckDraft] = []

    /// Every table this pipeline writes whose name could be read, even where the rest was invalid.
    var tableNames: [TableName] {
        loads.compactMap { $0.table?.table } + models.compactMap { $0.name?.table }
    }
}

/// A load as read: its table is known even when the rest is invalid, so other references to it do not
/// cascade into more errors.
struct ManifestLoadDraft {
    /// The destination, if it could be read.
    var table: ManifestTableReference?
    /// The complete load, when everything was valid.
    var load: Load?
}

/// A model as read, before its dependencies are resolved.
struct ManifestModelDraft {
    /// The model's table, if it could be read.
    var name: ManifestTableReference?
    /// The complete model (with empty dependencies), when everything was valid.
    var model: Model?
    /// Tables its SQL reads (both dialects), in first-seen order.
    var references: [ManifestSQLReference] = []
}

/// A check as read, before its table references are resolved.
struct ManifestCheckDraft {
    /// The complete check, when everything was valid.
    var check: Check?
    /// The check's name, when it could be determined.
    var name: String?
    /// Where the check's kind key is, for duplicate-name reports.
    var mark: Mark?
    /// Where the check and the values naming its columns are, for problems found after parsing.
    var location: CheckLocation?
    /// The checked table, which must belong to the check's pipeline.
    var table: ManifestTableReference?
    /// `relationships.to`, which may be any table of the manifest.
    var target: ManifestTableReference?
    /// Tables a `sql` check's query reads.
    var queryReferences: [ManifestSQLReference] = []
}
