/// A producer of newline-delimited JSON bytes for a load job, read as the upload proceeds so the
/// whole body never has to be held in memory.
public protocol NDJSONBodySource: AnyObject {
    /// The next bytes, at most `maxBytes` of them (and at least one), or nil when the body is complete.
    func nextChunk(maxBytes: Int) throws -> [UInt8]?
}
