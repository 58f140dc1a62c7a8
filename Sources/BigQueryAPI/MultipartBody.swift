import Foundation
import NIOCore

/// A `multipart/related` upload body: the job's JSON metadata, then the NDJSON data as
/// `application/octet-stream`, CRLF-separated, with a boundary that cannot occur in either.
struct MultipartBody {
    /// The boundary string.
    let boundary: String
    /// The whole body.
    let bytes: ByteBuffer

    /// Builds the body.
    init(metadata: JSON, data: [UInt8]) {
        let json = metadata.encoded
        var boundary = "sluice_boundary_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        while Self.contains(data, Array(boundary.utf8)) {
            boundary = "sluice_boundary_" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        }
        self.boundary = boundary
        var buffer = ByteBuffer()
        buffer.reserveCapacity(json.count + data.count + 300)
        buffer.writeString("--\(boundary)\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n")
        buffer.writeBytes(json)
        buffer.writeString("\r\n--\(boundary)\r\nContent-Type: application/octet-stream\r\n\r\n")
        buffer.writeBytes(data)
        buffer.writeString("\r\n--\(boundary)--\r\n")
        bytes = buffer
    }

    /// `multipart/related; boundary=…`.
    var contentType: String { "multipart/related; boundary=\(boundary)" }

    private static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var index = 0
        while index <= haystack.count - needle.count {
            if haystack[index] == first, haystack[index..<(index + needle.count)].elementsEqual(needle) { return true }
            index += 1
        }
        return false
    }
}
