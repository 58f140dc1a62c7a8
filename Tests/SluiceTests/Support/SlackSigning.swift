import Crypto
import Foundation
import HTTPTypes

/// Signs test requests exactly as Slack does: `v0=` + hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
enum SlackSigning {
    /// The signing secret of Slack's published example, which every harness signs with.
    static let exampleSecret = "8f742231b10e8888abcd99yyyzzz85a5"

    /// The headers Slack would send with `body` at `date`, signed with `secret`.
    static func headers(for body: String, at date: Date, secret: String, contentType: String) -> HTTPFields {
        let ts = String(Int(date.timeIntervalSince1970))
        let mac = HMAC<SHA256>.authenticationCode(for: Data("v0:\(ts):\(body)".utf8), using: SymmetricKey(data: Data(secret.utf8)))
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[HTTPField.Name("X-Slack-Request-Timestamp")!] = ts
        headers[HTTPField.Name("X-Slack-Signature")!] = "v0=" + mac.map { String(format: "%02x", $0) }.joined()
        return headers
    }
}
