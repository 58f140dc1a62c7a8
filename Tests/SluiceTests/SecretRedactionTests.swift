import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing

/// Tokens, bearer headers and private keys never reach a log line.
@Suite("Secrets are redacted")
struct SecretRedactionTests {
    @Test(arguments: [
        ("token xoxb-1234-5678-abcdEFGH in text", "token [redacted] in text"),
        ("xoxp-1-2-3 and xoxa-2-x and xoxe-1-abc", "[redacted] and [redacted] and [redacted]"),
        ("app xapp-1-A012-345-abcdef", "app [redacted]"),
        ("Authorization: Bearer abc.def-ghi", "Authorization: Bearer [redacted]"),
        (#"{"authorization":"bearer ya29.a0AfH6SMB"}"#, #"{"authorization":"Bearer [redacted]"}"#),
        ("access ya29.A0ARrdaM-xyz_123 used", "access [redacted] used"),
        ("k=-----BEGIN PRIVATE KEY-----\nMIIEvQ\nabc\n-----END PRIVATE KEY-----\n!", "k=[redacted]\n!"),
        (#"{"private_key":"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"}"#, #"{"private_key":"[redacted]\n"}"#),
        ("cut -----BEGIN PRIVATE KEY-----\nMIIE", "cut [redacted]"),
        ("nothing secret: xox, xoxb, bearer", "nothing secret: xox, xoxb, bearer"),
    ])
    func secretsAreRedacted(input: String, expected: String) {
        #expect(Secrets.redact(input) == expected)
    }
}
