import Foundation

/// One object of a Cloud Storage bucket, as `objects.list` describes it.
public struct CloudStorageObject: Sendable, Equatable {
    /// The bucket it lives in.
    public var bucket: String
    /// Its full name in the bucket (`land/orders_2026-03-01.csv`).
    public var name: String
    /// The generation of its content: a new upload under the same name gets a new one.
    public var generation: Int64
    /// Its size in bytes.
    public var size: Int64
    /// When its content or metadata last changed (`updated`).
    public var updated: Date?
    /// Base64 MD5 of its content, when Cloud Storage has one (composite objects have none).
    public var md5Hash: String?

    /// Creates an object description.
    public init(bucket: String, name: String, generation: Int64, size: Int64, updated: Date? = nil, md5Hash: String? = nil) {
        self.bucket = bucket
        self.name = name
        self.generation = generation
        self.size = size
        self.updated = updated
        self.md5Hash = md5Hash
    }

    /// `gs://bucket/name`: how messages, BigQuery load jobs and the read-object records name it.
    public var uri: String { "gs://\(bucket)/\(name)" }
}
