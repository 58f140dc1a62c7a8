import Foundation

/// Reads a `tables.get` Table resource.
enum TableMetadataDecoder {
    /// The metadata in `table`; `fallback` names the table when the resource does not.
    static func decode(_ table: JSON, fallback: TableReference) -> TableMetadata {
        let reference = table["tableReference"]
        let partitioning = table["timePartitioning"]
        return TableMetadata(
            reference: TableReference(
                project: reference["projectId"].string ?? fallback.project,
                dataset: reference["datasetId"].string ?? fallback.dataset,
                table: reference["tableId"].string ?? fallback.table
            ),
            kind: table["type"].string ?? "TABLE",
            numRows: table["numRows"].int64,
            numBytes: table["numBytes"].int64,
            lastModified: date(milliseconds: table["lastModifiedTime"]),
            created: date(milliseconds: table["creationTime"]),
            timePartitioning: partitioning.isNull
                ? nil : TimePartitioning(type: partitioning["type"].string ?? "DAY", field: partitioning["field"].string),
            fields: SchemaDecoder.fields(table["schema"])
        )
    }

    /// A date from milliseconds since the epoch, sent as a string.
    static func date(milliseconds: JSON) -> Date? {
        milliseconds.int64.map { Date(timeIntervalSince1970: Double($0) / 1000) }
    }
}
