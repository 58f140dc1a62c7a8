import Crypto
import Foundation

/// Why a request claiming to come from Slack was refused (answered `401`, nothing executed).
public enum SlackVerificationFailure: String, Error, Sendable, CustomStringConvertible {
    /// No `X-Slack-Request-Timestamp` header.
    case missingTimestamp
    /// No `X-Slack-Signature` header.
    case missingSignature
    /// The timestamp is not a whole number of seconds.
    case malformedTimestamp
    /// The timestamp is more than the tolerance away from now (a replay, or a badly wrong clock).
    case staleTimestamp
    /// The signature is not `v0=` followed by 64 hex digits.
    case malformedSignature
    /// The signature does not match the body (wrong signing secret, or the body was altered).
    case badSignature
    /// The body is larger than the verifier accepts.
    case bodyTooLarge

    /// What went wrong, for logs and counters.
    public var description: String {
        switch self {
        case .missingTimestamp: "missing X-Slack-Request-Timestamp header"
        case .missingSignature: "missing X-Slack-Signature header"
        case .malformedTimestamp: "X-Slack-Request-Timestamp is not a number of seconds"
        case .staleTimestamp: "X-Slack-Request-Timestamp is outside the 5-minute window (replay or clock skew)"
        case .malformedSignature: "X-Slack-Signature is not v0= followed by a hex HMAC-SHA256"
        case .badSignature: "X-Slack-Signature does not match: check SLACK_SIGNING_SECRET"
        case .bodyTooLarge: "request body is larger than the limit"
        }
    }
}

/// Verifies Slack's request signatures: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{raw body}` keyed
/// with the app's signing secret, compared in constant time, with the timestamp within a window of now
/// (past and future) and the body size capped.
public struct SlackRequestVerifier: Sendable {
    private let keyed: KeyedHMAC
    /// Largest body accepted, in bytes.
    public let maxBodyBytes: Int
    /// How far the request's timestamp may be from now, in seconds, either way.
    public let tolerance: TimeInterval

    private static let version = "v0"
    private static let macLength = SHA256.byteCount

    /// Creates a verifier for the app's signing secret (`SLACK_SIGNING_SECRET`).
    public init(signingSecret: String, maxBodyBytes: Int = 256 * 1024, tolerance: TimeInterval = 300) {
        self.keyed = KeyedHMAC(key: SymmetricKey(data: Array(signingSecret.utf8)))
        self.maxBodyBytes = maxBodyBytes
        self.tolerance = tolerance
    }

    /// Checks a request's `X-Slack-Request-Timestamp` and `X-Slack-Signature` against its raw body.
    /// Returns nil when the request is genuine, otherwise why it is not.
    public func verify(timestamp: String?, signature: String?, body: some Collection<UInt8>, now: Date) -> SlackVerificationFailure? {
        guard let timestamp else { return .missingTimestamp }
        guard let signature else { return .missingSignature }
        guard body.count <= maxBodyBytes else { return .bodyTooLarge }
        guard let seconds = Self.seconds(timestamp) else { return .malformedTimestamp }
        guard abs(now.timeIntervalSince1970 - seconds) <= tolerance else { return .staleTimestamp }
        guard let mac = Self.macBytes(signature) else { return .malformedSignature }
        return Self.constantTimeEqual(keyed.code(timestamp: timestamp, body: body), mac) ? nil : .badSignature
    }

    /// Whether a digest equals `mac`, in a time that depends on their lengths only.
    private static func constantTimeEqual(_ digest: SHA256.Digest, _ mac: [UInt8]) -> Bool {
        digest.withUnsafeBytes { digest in
            guard digest.count == mac.count else { return false }
            var difference: UInt8 = 0
            for index in 0..<digest.count { difference |= digest[index] ^ mac[index] }
            return difference == 0
        }
    }

    /// The `X-Slack-Signature` Slack would send for this timestamp and body (`v0=<hex>`).
    public func sign(timestamp: String, body: some Collection<UInt8>) -> String {
        Self.version + "=" + Hex.encode(keyed.code(timestamp: timestamp, body: body))
    }

    /// Whole seconds since 1970, digits only (no sign, no fraction, at most 12 digits).
    private static func seconds(_ timestamp: String) -> TimeInterval? {
        let digits = timestamp.utf8
        guard (1...12).contains(digits.count), digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let value = Int(timestamp)
        else { return nil }
        return TimeInterval(value)
    }

    /// The MAC bytes of `v0=<64 hex digits>`, or nil when the header has another shape.
    private static func macBytes(_ signature: String) -> [UInt8]? {
        var signature = signature
        return signature.withUTF8 { header -> [UInt8]? in
            let prefix = signaturePrefix
            guard header.count == prefix.count + macLength * 2, header.starts(with: prefix) else { return nil }
            var bytes: [UInt8] = []
            bytes.reserveCapacity(macLength)
            var index = prefix.count
            while index < header.count {
                guard let high = Hex.value(of: header[index]), let low = Hex.value(of: header[index + 1]) else { return nil }
                bytes.append(high << 4 | low)
                index += 2
            }
            return bytes
        }
    }

    private static let signaturePrefix: [UInt8] = Array((version + "=").utf8)
}

/// HMAC-SHA256 (RFC 2104) with the signing secret already absorbed: the inner and outer digests
/// start from states that have hashed the key's padded blocks once, at start, and each request copies
/// them and hashes its own bytes through `SHA256.update(bufferPointer:)` (HMAC's generic
/// `DataProtocol` path cost more than the hashing itself). Checked against swift-crypto's `HMAC`.
///
/// `@unchecked Sendable`: both states are `let`s that are never mutated, only copied; a copy that is
/// then updated gets its own digest context first (swift-crypto's digests are copy-on-write: they
/// copy their context unless `isKnownUniquelyReferenced`, false while the template holds it too),
/// so no two threads ever write the same state.
private final class KeyedHMAC: @unchecked Sendable {
    private let inner: SHA256
    private let outer: SHA256
    private static let version: [UInt8] = Array("v0:".utf8)
    private static let colon: [UInt8] = [UInt8(ascii: ":")]

    init(key: SymmetricKey) {
        var block = [UInt8](repeating: 0, count: SHA256.blockByteCount)
        key.withUnsafeBytes { key in
            if key.count > block.count {
                let digest = SHA256.hash(data: key)
                for (index, byte) in digest.enumerated() { block[index] = byte }
            } else {
                for (index, byte) in key.enumerated() { block[index] = byte }
            }
        }
        var inner = SHA256()
        inner.update(data: block.map { $0 ^ 0x36 })
        var outer = SHA256()
        outer.update(data: block.map { $0 ^ 0x5c })
        self.inner = inner
        self.outer = outer
    }

    /// The MAC of `v0:{timestamp}:{body}`.
    func code(timestamp: String, body: some Collection<UInt8>) -> SHA256.Digest {
        var hash = inner
        Self.version.withUnsafeBytes { hash.update(bufferPointer: $0) }
        var timestamp = timestamp
        timestamp.withUTF8 { hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        Self.colon.withUnsafeBytes { hash.update(bufferPointer: $0) }
        if body.withContiguousStorageIfAvailable({ hash.update(bufferPointer: UnsafeRawBufferPointer($0)) }) == nil {
            Array(body).withUnsafeBytes { hash.update(bufferPointer: $0) }
        }
        var mac = outer
        hash.finalize().withUnsafeBytes { mac.update(bufferPointer: $0) }
        return mac.finalize()
    }
}
