/// Reads `schema.fields` (recursively for `RECORD` columns).
enum SchemaDecoder {
    /// The fields of a `{"fields": […]}` schema object; empty when absent.
    static func fields(_ schema: JSON) -> [SchemaField] {
        schema["fields"].array.compactMap { field in
            guard let name = field["name"].string else { return nil }
            return SchemaField(
                name: name,
                type: field["type"].string ?? "STRING",
                mode: field["mode"].string ?? "NULLABLE",
                fields: fields(field)
            )
        }
    }
}
