import BigQueryAPI
import SluiceCore

/// How the manifest's column types map onto BigQuery: `string` → STRING, `integer` → INT64,
/// `float` → FLOAT64, `boolean` → BOOL, `date` → DATE, `timestamp` → TIMESTAMP. Every column is
/// NULLABLE.
enum BigQuerySchema {
    /// The BigQuery type of a column type.
    static func type(of type: ColumnType) -> String {
        switch type {
        case .string: "STRING"
        case .integer: "INT64"
        case .float: "FLOAT64"
        case .boolean: "BOOL"
        case .date: "DATE"
        case .timestamp: "TIMESTAMP"
        }
    }

    /// The load schema of the columns.
    static func fields(_ columns: [Column]) -> [SchemaField] {
        columns.map { SchemaField(name: $0.name, type: type(of: $0.type)) }
    }

    /// `col TYPE, …` for `CREATE TABLE`.
    static func columnDefinitions(_ columns: [Column]) -> String {
        columns.map { "\(CheckSQL.quote($0.name, .bigquery)) \(type(of: $0.type))" }.joined(separator: ", ")
    }

    /// `PARTITION BY col` for a DATE column, `PARTITION BY DATE(col)` for a timestamp.
    static func partitionClause(_ column: String, in columns: [Column]) -> String {
        let quoted = CheckSQL.quote(column, .bigquery)
        let type = columns.first { $0.name == column }?.type
        return type == .date ? " PARTITION BY \(quoted)" : " PARTITION BY DATE(\(quoted))"
    }
}
