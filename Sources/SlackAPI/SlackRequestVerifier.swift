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
    private let secret: [UInt8]
    /// Largest body accepted, in bytes.
    public let maxBodyBytes: Int
    /// How far the request's timestamp may be from now, in seconds, either way.
    public let tolerance: TimeInterval

    private static let version = "v0"
    private static let macLength = SHA256.byteCount

    /// Creates a verifier for the app's signing secret (`SLACK_SIGNING_SECRET`).
    public init(signingSecret: String, maxBodyBytes: Int = 256 * 1024, tolerance: TimeInterval = 300) {
        self.secret = Array(signingSecret.utf8)
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
        let valid = HMAC<SHA256>.isValidAuthenticationCode(
            mac, authenticating: Self.signedBytes(timestamp: timestamp, body: body), using: SymmetricKey(data: secret))
        return valid ? nil : .badSignature
    }

    /// The `X-Slack-Signature` Slack would send for this timestamp and body (`v0=<hex>`).
    public func sign(timestamp: String, body: some Collection<UInt8>) -> String {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Self.signedBytes(timestamp: timestamp, body: body), using: SymmetricKey(data: secret))
        return Self.version + "=" + Hex.encode(mac)
    }

    private static func signedBytes(timestamp: String, body: some Collection<UInt8>) -> [UInt8] {
        var bytes = Array("\(version):\(timestamp):".utf8)
        bytes.reserveCapacity(bytes.count + body.count)
        bytes.append(contentsOf: body)
        return bytes
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
        let prefix = Array((version + "=").utf8)
        let header = Array(signature.utf8)
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
