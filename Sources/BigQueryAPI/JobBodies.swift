/// The JSON bodies of `jobs.insert` for query and load jobs, in the shapes Google's own client sends.
enum JobBodies {
    /// `{jobReference, configuration: {query: {…, useLegacySql: false}, labels, dryRun?}}`.
    static func query(_ request: QueryJobRequest, jobID: String, client: BigQueryClient, dryRun: Bool) -> JSON {
        var query: [String: JSON] = [
            "query": .string(request.sql),
            "useLegacySql": .bool(false),
        ]
        if let destination = request.destination {
            query["destinationTable"] = tableReference(destination, project: client.project)
        }
        if let writeDisposition = request.writeDisposition { query["writeDisposition"] = .string(writeDisposition) }
        if let createDisposition = request.createDisposition { query["createDisposition"] = .string(createDisposition) }
        if let field = request.timePartitioningField {
            query["timePartitioning"] = .object(["type": .string("DAY"), "field": .string(field)])
        }
        if let limit = request.maximumBytesBilled { query["maximumBytesBilled"] = .string(String(limit)) }
        if let dataset = request.defaultDataset {
            query["defaultDataset"] = .object(["projectId": .string(client.project), "datasetId": .string(dataset)])
        }
        if dryRun { query["useQueryCache"] = .bool(false) }
        var configuration: [String: JSON] = ["query": .object(query)]
        if !request.labels.isEmpty { configuration["labels"] = labels(request.labels) }
        if dryRun { configuration["dryRun"] = .bool(true) }
        return .object(["jobReference": jobReference(jobID, client: client), "configuration": .object(configuration)])
    }

    /// `{jobReference, configuration: {load: {sourceFormat: NEWLINE_DELIMITED_JSON, schema, …}, labels}}`.
    static func load(_ request: LoadJobRequest, jobID: String, client: BigQueryClient) -> JSON {
        var load: [String: JSON] = [
            "sourceFormat": .string("NEWLINE_DELIMITED_JSON"),
            "schema": .object(["fields": .array(request.schema.map(field))]),
            "writeDisposition": .string(request.writeDisposition),
            "createDisposition": .string(request.createDisposition),
            "destinationTable": tableReference(request.destination, project: client.project),
        ]
        if let field = request.timePartitioningField {
            load["timePartitioning"] = .object(["type": .string("DAY"), "field": .string(field)])
        }
        var configuration: [String: JSON] = ["load": .object(load)]
        if !request.labels.isEmpty { configuration["labels"] = labels(request.labels) }
        return .object(["jobReference": jobReference(jobID, client: client), "configuration": .object(configuration)])
    }

    /// `{projectId, jobId, location}`.
    static func jobReference(_ jobID: String, client: BigQueryClient) -> JSON {
        .object(["projectId": .string(client.project), "jobId": .string(jobID), "location": .string(client.location)])
    }

    /// `{projectId, datasetId, tableId}`.
    static func tableReference(_ table: TableReference, project: String) -> JSON {
        .object([
            "projectId": .string(table.project ?? project),
            "datasetId": .string(table.dataset),
            "tableId": .string(table.table),
        ])
    }

    /// `{name, type, mode, fields?}`.
    static func field(_ field: SchemaField) -> JSON {
        var members: [String: JSON] = ["name": .string(field.name), "type": .string(field.type), "mode": .string(field.mode)]
        if !field.fields.isEmpty { members["fields"] = .array(field.fields.map(Self.field)) }
        return .object(members)
    }

    /// Labels made acceptable to BigQuery: lowercase letters, digits, `_` and `-`, at most 63
    /// characters, keys starting with a letter.
    static func labels(_ labels: [String: String]) -> JSON {
        var result: [String: JSON] = [:]
        for (key, value) in labels {
            var cleanKey = labelText(key)
            if let first = cleanKey.first, !first.isLetter { cleanKey = String(("l_" + cleanKey).prefix(63)) }
            guard !cleanKey.isEmpty else { continue }
            result[cleanKey] = .string(labelText(value))
        }
        return .object(result)
    }

    private static func labelText(_ text: String) -> String {
        String(text.lowercased().map { char -> Character in
            char.isASCII && (char.isLetter || char.isNumber) || char == "_" || char == "-" ? char : "_"
        }.prefix(63))
    }
}
