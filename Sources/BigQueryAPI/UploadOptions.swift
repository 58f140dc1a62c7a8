/// How load bodies go up: one multipart request below `multipartLimit` bytes, else a resumable
/// upload in chunks of `chunkSize` bytes (a multiple of 256 KiB).
public struct UploadOptions: Sendable {
    /// Bodies smaller than this go up as one multipart request.
    public var multipartLimit: Int
    /// Bytes per resumable chunk, rounded up to a multiple of 256 KiB.
    public var chunkSize: Int

    /// The granularity Google's resumable upload protocol requires of every chunk but the last.
    public static let chunkGranularity = 256 * 1024

    /// Creates options.
    public init(multipartLimit: Int = 5 * 1024 * 1024, chunkSize: Int = 8 * 1024 * 1024) {
        self.multipartLimit = max(0, multipartLimit)
        let granules = max(1, (chunkSize + Self.chunkGranularity - 1) / Self.chunkGranularity)
        self.chunkSize = granules * Self.chunkGranularity
    }

    /// Multipart below 5 MiB, else 8 MiB chunks.
    public static let `default` = UploadOptions()
}
