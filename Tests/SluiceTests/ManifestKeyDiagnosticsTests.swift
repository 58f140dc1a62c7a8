import Foundation
import Testing
import SluiceCore

/// Diagnostics for keys: unknown and conflicting keys, wrong values, missing required keys.
@Suite("Manifest parser: unknown, wrong and missing keys")
struct ManifestKeyDiagnosticsTests {
    static let unknownKeys: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "top-level key",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\ntimezon: UTC"),
            expected: ["2:1: unknown key 'timezon' in the manifest; did you mean 'timezone'?"]
        ),
        ManifestProblemCase(
            title: "pipeline key without a near match lists the valid keys",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    colour: blue\n"),
            expected: [
                "5:5: unknown key 'colour' in pipeline 'shop'; expected 'schedule', 'channel', 'owners', "
                    + "'max_parallelism', 'sources', 'loads', 'models' or 'checks'",
            ]
        ),
        ManifestProblemCase(
            title: "load key",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, partiton_by: day }"),
            expected: ["8:61: unknown key 'partiton_by' in load into 'raw.orders'; did you mean 'partition_by'?"]
        ),
        ManifestProblemCase(
            title: "check key",
            yaml: baseManifest.replacingOccurrences(of: "column: order_id }", with: "columns: order_id }"),
            expected: [
                "12:9: check 'not_null_orders' is missing required key 'column'",
                "12:33: unknown key 'columns' in check 'not_null_orders'; did you mean 'column'?",
            ]
        ),
        ManifestProblemCase(
            title: "check without a kind",
            yaml: baseManifest.replacingOccurrences(of: "{ not_null: raw.orders, column: order_id }", with: "{ not_nul: raw.orders, column: order_id }"),
            expected: ["12:11: unknown key 'not_nul' in check #1 of pipeline 'shop'; did you mean 'not_null'?"]
        ),
        ManifestProblemCase(
            title: "check with an unknown kind",
            yaml: baseManifest.replacingOccurrences(of: "{ not_null: raw.orders, column: order_id }", with: "{ row_count: raw.orders }"),
            expected: [
                "12:9: check #1 of pipeline 'shop' needs exactly one kind key: "
                    + "freshness, volume, not_null, unique, accepted_values, relationships or sql",
            ]
        ),
        ManifestProblemCase(
            title: "check with two kinds",
            yaml: baseManifest.replacingOccurrences(of: "column: order_id }", with: "column: order_id, unique: raw.orders }"),
            expected: [
                "12:51: check 'not_null_orders_order_id' has more than one kind ('not_null' and 'unique'); "
                    + "write each as its own check",
            ]
        ),
        ManifestProblemCase(
            title: "unique with both column and columns",
            yaml: baseManifest + "\n      - { unique: raw.orders, column: a, columns: [a, b] }",
            expected: ["13:42: check 'unique_orders_a_b' has both 'column' and 'columns'; keep one of them"]
        ),
        ManifestProblemCase(
            title: "sqlite source with both table and query",
            yaml: baseManifest.replacingOccurrences(
                of: "{ kind: csv, path: orders.csv, cursor: updated_at }",
                with: "{ kind: sqlite, path: shop.db, table: orders, query: select 1 }"
            ),
            expected: ["6:61: source 'orders' has both 'table' and 'query'; keep one of them"]
        ),
        ManifestProblemCase(
            title: "warehouse key depends on its kind",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\nwarehouse: { kind: sqlite, project: p }"),
            expected: ["2:28: unknown key 'project' in 'warehouse'; expected 'kind' or 'path'"]
        ),
    ]

    @Test("unknown, missing-kind and conflicting keys are reported, with the nearest valid key", arguments: unknownKeys)
    func unknownKey(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let wrongValues: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "integer expected",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    max_parallelism: four\n"),
            expected: ["5:22: 'max_parallelism' must be an integer, got 'four'"]
        ),
        ManifestProblemCase(
            title: "integer out of range",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    max_parallelism: 40\n"),
            expected: ["5:22: 'max_parallelism' must be between 1 and 32, got 40"]
        ),
        ManifestProblemCase(
            title: "training days below the minimum",
            yaml: baseManifest + "\n      - { volume: raw.orders, training_days: 3 }",
            expected: ["13:46: 'training_days' must be at least 7, got 3"]
        ),
        ManifestProblemCase(
            title: "sensitivity must be positive",
            yaml: baseManifest + "\n      - { volume: raw.orders, sensitivity: 0 }",
            expected: ["13:44: 'sensitivity' must be greater than zero, got '0'"]
        ),
        ManifestProblemCase(
            title: "a choice with a near miss",
            yaml: baseManifest.replacingOccurrences(of: "write: append", with: "write: apend"),
            expected: ["8:53: 'write' must be truncate, append or merge, got 'apend'; did you mean 'append'?"]
        ),
        ManifestProblemCase(
            title: "a list where a value belongs",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    channel: [a, b]\n"),
            expected: ["5:14: 'channel' must be a single value, got a list"]
        ),
        ManifestProblemCase(
            title: "a table name without a dataset",
            yaml: baseManifest.replacingOccurrences(of: "table: raw.orders", with: "table: orders"),
            expected: [
                "8:34: 'table' must be a table name written dataset.table (for example raw.orders), got 'orders'",
                "10:42: model 'staging.stg_orders' reads unknown table 'raw.orders' in stg.sql; no load or model writes it",
                "12:21: check 'not_null_orders_order_id' checks unknown table 'raw.orders'; pipeline 'shop' does not load or build it",
            ]
        ),
        ManifestProblemCase(
            title: "Slack ids",
            yaml: baseManifest.replacingOccurrences(of: "  shop:\n", with: "  shop:\n    owners: [U0123ABCD, alice]\n"),
            expected: [
                "5:25: 'alice' in 'owners' is not a Slack user id (U… or W…) or user-group id (S…); "
                    + "copy it from the member's or group's profile",
            ]
        ),
        ManifestProblemCase(
            title: "column types",
            yaml: baseManifest.replacingOccurrences(
                of: "write: append }", with: "write: append, columns: { order_id: int, updated_at: timestamp } }"
            ),
            expected: [
                "8:82: type of column 'order_id' must be string, integer, float, boolean, date or timestamp, got 'int'",
            ]
        ),
        ManifestProblemCase(
            title: "byte sizes",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone: UTC\ncost: { maximum_bytes_billed: 50 gigs }"),
            expected: ["2:31: 'maximum_bytes_billed' must be a size such as 50GB, 500MiB or 1TiB, got '50 gigs'"]
        ),
        ManifestProblemCase(
            title: "digest time",
            yaml: baseManifest.replacingOccurrences(of: "slack: { default_channel: \"#data\" }", with: "slack: { default_channel: \"#data\", digest: { at: \"9am\" } }"),
            expected: ["2:50: 'at' must be a time of day written HH:MM (for example \"09:00\"), got '9am'"]
        ),
        ManifestProblemCase(
            title: "merge key must be a declared column",
            yaml: baseManifest.replacingOccurrences(
                of: "write: append }",
                with: "write: merge, key: order_ud, columns: { order_id: integer, updated_at: timestamp } }"
            ),
            expected: [
                "8:65: key column 'order_ud' is not among the columns of load into 'raw.orders'; did you mean 'order_id'?",
            ]
        ),
        ManifestProblemCase(
            title: "the source cursor must be a declared column",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, columns: { order_id: integer } }"),
            expected: [
                "8:61: cursor 'updated_at' of source 'orders' is not among the columns of load into 'raw.orders'",
            ]
        ),
        ManifestProblemCase(
            title: "an unknown source encoding lists the accepted names",
            yaml: baseManifest.replacingOccurrences(of: "cursor: updated_at }", with: "cursor: updated_at, encoding: latin-1 }"),
            expected: [
                "6:76: 'encoding' must be utf-8, latin1 (or iso-8859-1) or windows-1252 (or cp1252), got 'latin-1'; "
                    + "did you mean 'latin1'?",
            ]
        ),
        ManifestProblemCase(
            title: "encoding only on file sources",
            yaml: baseManifest.replacingOccurrences(
                of: "{ kind: csv, path: orders.csv, cursor: updated_at }",
                with: "{ kind: sqlite, path: shop.db, table: orders, encoding: latin1 }"
            ),
            expected: [
                "6:61: unknown key 'encoding' in source 'orders'; expected 'kind', 'path', 'table', 'query' or 'cursor'",
            ]
        ),
        ManifestProblemCase(
            title: "max_field_size must be a byte size",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, max_field_size: 1 meg }"),
            expected: ["8:77: 'max_field_size' must be a size such as 1MiB or 512KB, got '1 meg'"]
        ),
        ManifestProblemCase(
            title: "max_field_size within bounds",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: append, max_field_size: 2GiB }"),
            expected: ["8:77: 'max_field_size' must be at most 1 GiB, got '2GiB'"]
        ),
        ManifestProblemCase(
            title: "key with merge or append only",
            yaml: baseManifest.replacingOccurrences(of: "write: append }", with: "write: truncate, key: order_id }"),
            expected: [
                "8:63: 'key' applies to 'write: merge' (the upsert key) and 'write: append' (a row whose key is loaded is not "
                    + "appended again), but load into 'raw.orders' uses 'write: truncate'",
            ]
        ),
    ]

    @Test("wrong types and values name the key and the value given", arguments: wrongValues)
    func wrongValue(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }

    static let missingKeys: [ManifestProblemCase] = [
        ManifestProblemCase(
            title: "timezone and pipelines",
            yaml: "slack: { default_channel: \"#d\" }",
            expected: [
                "1:1: the manifest is missing required key 'timezone'",
                "1:1: the manifest is missing required key 'pipelines'",
            ]
        ),
        ManifestProblemCase(
            title: "source kind",
            yaml: baseManifest.replacingOccurrences(of: "{ kind: csv, path: orders.csv, cursor: updated_at }", with: "{ path: orders.csv }"),
            expected: [
                "6:15: source 'orders' is missing required key 'kind'",
            ]
        ),
        ManifestProblemCase(
            title: "load write",
            yaml: baseManifest.replacingOccurrences(of: ", write: append", with: ""),
            expected: ["8:9: load into 'raw.orders' is missing required key 'write'"]
        ),
        ManifestProblemCase(
            title: "merge needs a key",
            yaml: baseManifest.replacingOccurrences(of: "write: append", with: "write: merge"),
            expected: [
                "8:9: load into 'raw.orders' uses 'write: merge' and needs 'key': the column or columns rows are matched on",
            ]
        ),
        ManifestProblemCase(
            title: "model sql",
            yaml: baseManifest.replacingOccurrences(of: ", sql: stg.sql", with: ""),
            expected: ["10:9: model 'staging.stg_orders' is missing required key 'sql'"]
        ),
        ManifestProblemCase(
            title: "incremental model needs a unique key",
            yaml: baseManifest.replacingOccurrences(of: "sql: stg.sql }", with: "sql: stg.sql, materialized: incremental }"),
            expected: [
                "10:9: model 'staging.stg_orders' is 'materialized: incremental' and needs 'unique_key': "
                    + "the column or columns rows are merged on",
            ]
        ),
        ManifestProblemCase(
            title: "freshness needs a threshold",
            yaml: baseManifest + "\n      - { freshness: raw.orders }",
            expected: ["13:9: check 'freshness_orders' needs 'warn_after', 'error_after' or both (for example warn_after: 3h)"]
        ),
        ManifestProblemCase(
            title: "sqlite source needs a table or a query",
            yaml: baseManifest.replacingOccurrences(of: "{ kind: csv, path: orders.csv, cursor: updated_at }", with: "{ kind: sqlite, path: legacy.db }"),
            expected: ["6:15: source 'orders' needs 'table' or 'query' to say what to read"]
        ),
        ManifestProblemCase(
            title: "a key with no value",
            yaml: baseManifest.replacingOccurrences(of: "timezone: UTC", with: "timezone:"),
            expected: ["1:1: 'timezone' in the manifest needs a value"]
        ),
        ManifestProblemCase(
            title: "default channel needed by a pipeline without one",
            yaml: baseManifest.replacingOccurrences(of: "slack: { default_channel: \"#data\" }\n", with: ""),
            expected: ["3:3: pipeline 'shop' has no 'channel' and 'slack.default_channel' is not set; set one of them"]
        ),
    ]

    @Test("missing required keys are reported at the enclosing mapping", arguments: missingKeys)
    func missingKey(_ problem: ManifestProblemCase) {
        #expect(problems(problem.yaml, files: problem.files) == problem.expected)
    }
}
