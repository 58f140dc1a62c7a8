import Foundation

/// The names a command may use, taken from the manifest: pipelines, tables and checks. Anything a
/// user types is matched against these and nothing else.
public struct CommandVocabulary: Sendable, Equatable {
    /// A check named within its pipeline.
    public struct CheckReference: Sendable, Hashable {
        /// The pipeline that owns the check.
        public var pipeline: String
        /// The check's name, unique within the pipeline.
        public var name: String

        /// Creates a check reference.
        public init(pipeline: String, name: String) {
            self.pipeline = pipeline
            self.name = name
        }
    }

    /// Pipeline names in manifest order.
    public var pipelines: [String]
    /// Every table loaded or built, in manifest order, without repeats.
    public var tables: [TableName]
    /// Every check of every pipeline.
    public var checks: [CheckReference]
    /// The longest backfill accepted, in days (`backfill.max_days`).
    public var maxBackfillDays: Int

    /// Creates a vocabulary from explicit names (repeated tables are kept once).
    public init(pipelines: [String], tables: [TableName], checks: [CheckReference], maxBackfillDays: Int = 31) {
        var seen: Set<TableName> = []
        self.pipelines = pipelines
        self.tables = tables.filter { seen.insert($0).inserted }
        self.checks = checks
        self.maxBackfillDays = maxBackfillDays
    }

    /// The vocabulary of a manifest.
    public init(manifest: Manifest) {
        self.init(
            pipelines: manifest.pipelines.map(\.name),
            tables: manifest.tables,
            checks: manifest.pipelines.flatMap { pipeline in
                pipeline.checks.map { CheckReference(pipeline: pipeline.name, name: $0.name) }
            },
            maxBackfillDays: manifest.backfill.maxDays
        )
    }
}
