import Crypto
import Foundation
import SlackAPI
import Testing
@testable import Worker

@Suite("Slack request verification")
struct SlackRequestVerifierTests {
    static let secret = "8f742231b10e8888abcd99yyyzzz85a5"
    static let timestamp = "1531420618"
    static let signature = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
    static let now = Date(timeIntervalSince1970: 1_531_420_618)

    static func exampleBody() throws -> [UInt8] {
        let url = try #require(Bundle.module.url(forResource: "signing-example", withExtension: "form", subdirectory: "Fixtures/slack"))
        return Array(try Data(contentsOf: url))
    }

    let verifier = SlackRequestVerifier(signingSecret: secret)

    @Test func slacksPublishedExampleVerifies() throws {
        let body = try Self.exampleBody()
        #expect(verifier.verify(timestamp: Self.timestamp, signature: Self.signature, body: body, now: Self.now) == nil)
        #expect(verifier.sign(timestamp: Self.timestamp, body: body) == Self.signature)
    }

    @Test func anyCollectionOfBytesIsAccepted() throws {
        let body = try Self.exampleBody()
        #expect(verifier.verify(timestamp: Self.timestamp, signature: Self.signature, body: Data(body), now: Self.now) == nil)
        #expect(verifier.verify(timestamp: Self.timestamp, signature: Self.signature, body: body[...], now: Self.now) == nil)
    }

    @Test func aTamperedBodyIsRefused() throws {
        var body = try Self.exampleBody()
        body[body.count - 1] ^= 0x01
        #expect(verifier.verify(timestamp: Self.timestamp, signature: Self.signature, body: body, now: Self.now) == .badSignature)
        #expect(verifier.verify(timestamp: Self.timestamp, signature: Self.signature, body: try Self.exampleBody() + [0x0A], now: Self.now) == .badSignature)
    }

    @Test func aTamperedSignatureIsRefused() throws {
        let body = try Self.exampleBody()
        var digits = Array(Self.signature)
        digits[10] = digits[10] == "0" ? "1" : "0"
        #expect(verifier.verify(timestamp: Self.timestamp, signature: String(digits), body: body, now: Self.now) == .badSignature)
    }

    @Test func aSignatureForAnotherTimestampIsRefused() throws {
        let body = try Self.exampleBody()
        let other = "1531420619"
        #expect(verifier.verify(timestamp: other, signature: Self.signature, body: body, now: Self.now) == .badSignature)
    }

    @Test func theWrongSecretIsRefused() throws {
        let body = try Self.exampleBody()
        let wrong = SlackRequestVerifier(signingSecret: "8f742231b10e8888abcd99yyyzzz85a6")
        #expect(wrong.verify(timestamp: Self.timestamp, signature: Self.signature, body: body, now: Self.now) == .badSignature)
    }

    @Test func upperCaseHexIsTheSameSignature() throws {
        let body = try Self.exampleBody()
        let upper = "v0=" + Self.signature.dropFirst(3).uppercased()
        #expect(verifier.verify(timestamp: Self.timestamp, signature: upper, body: body, now: Self.now) == nil)
    }

    @Test(arguments: [
        (-301.0, SlackVerificationFailure?.some(.staleTimestamp)),
        (-300.0, nil),
        (0.0, nil),
        (300.0, nil),
        (301.0, .some(.staleTimestamp)),
        (86_400.0, .some(.staleTimestamp)),
        (-86_400.0, .some(.staleTimestamp)),
    ])
    func theTimestampMustBeWithinFiveMinutesEitherWay(offset: Double, expected: SlackVerificationFailure?) throws {
        let body = try Self.exampleBody()
        let now = Self.now.addingTimeInterval(offset)
        #expect(verifier.verify(timestamp: Self.timestamp, signature: Self.signature, body: body, now: now) == expected)
    }

    @Test func missingHeadersAreNamed() throws {
        let body = try Self.exampleBody()
        #expect(verifier.verify(timestamp: nil, signature: Self.signature, body: body, now: Self.now) == .missingTimestamp)
        #expect(verifier.verify(timestamp: Self.timestamp, signature: nil, body: body, now: Self.now) == .missingSignature)
        #expect(verifier.verify(timestamp: nil, signature: nil, body: body, now: Self.now) == .missingTimestamp)
    }

    @Test(arguments: ["", "abc", "-1531420618", "+1531420618", "1531420618.0", " 1531420618", "1531420618 ", "0x5B47B0CA",
                      "15314206181531420618", "١٥٣١٤٢٠٦١٨"])
    func garbledTimestampsAreMalformed(timestamp: String) throws {
        let body = try Self.exampleBody()
        #expect(verifier.verify(timestamp: timestamp, signature: Self.signature, body: body, now: Self.now) == .malformedTimestamp)
    }

    @Test(arguments: [
        "",
        "v0=",
        "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50300",
        "v0=g2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b50 ",
        "v0=" + String(repeating: "zz", count: 32),
        "v0=" + String(repeating: "é", count: 64),
        "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503,v0=00",
    ])
    func signaturesOfTheWrongShapeAreMalformed(signature: String) throws {
        let body = try Self.exampleBody()
        #expect(verifier.verify(timestamp: Self.timestamp, signature: signature, body: body, now: Self.now) == .malformedSignature)
    }

    @Test func bodiesOverTheLimitAreRefusedEvenWhenSigned() {
        let small = SlackRequestVerifier(signingSecret: Self.secret, maxBodyBytes: 16)
        let fits = Array(repeating: UInt8(ascii: "a"), count: 16)
        let tooBig = Array(repeating: UInt8(ascii: "a"), count: 17)
        #expect(small.verify(timestamp: Self.timestamp, signature: small.sign(timestamp: Self.timestamp, body: fits), body: fits, now: Self.now) == nil)
        #expect(small.verify(timestamp: Self.timestamp, signature: small.sign(timestamp: Self.timestamp, body: tooBig), body: tooBig, now: Self.now) == .bodyTooLarge)
    }

    @Test func theDefaultLimitIs256KiB() {
        let body = Array(repeating: UInt8(ascii: "x"), count: 256 * 1024 + 1)
        let signature = verifier.sign(timestamp: Self.timestamp, body: body)
        #expect(verifier.verify(timestamp: Self.timestamp, signature: signature, body: body, now: Self.now) == .bodyTooLarge)
        #expect(verifier.verify(timestamp: Self.timestamp, signature: signature, body: body.dropLast(), now: Self.now) == .badSignature)
    }

    @Test func signAndVerifyRoundTripForAnyBody() {
        var generator = SplitMix64(seed: 7)
        for length in [0, 1, 31, 32, 33, 1000] {
            let body = generator.bytes(length)
            let timestamp = "1700000000"
            let signature = verifier.sign(timestamp: timestamp, body: body)
            #expect(signature.hasPrefix("v0=") && signature.count == 67)
            #expect(verifier.verify(timestamp: timestamp, signature: signature, body: body, now: Date(timeIntervalSince1970: 1_700_000_100)) == nil)
        }
    }

    @Test func failuresDescribeThemselves() {
        #expect(SlackVerificationFailure.badSignature.description.contains("SLACK_SIGNING_SECRET"))
        #expect(SlackVerificationFailure.staleTimestamp.description.contains("5-minute"))
    }

    /// The verifier's own HMAC-SHA256 against swift-crypto's, for secrets shorter than, as long as
    /// and longer than SHA-256's 64-byte block, and bodies around the block boundaries.
    @Test func signaturesAreSwiftCryptosHMACSHA256() {
        var generator = SystemRandomNumberGenerator()
        for secretLength in [1, 32, 63, 64, 65, 131] {
            let secret = String((0..<secretLength).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement(using: &generator)! })
            let verifier = SlackRequestVerifier(signingSecret: secret)
            for bodyLength in [0, 1, 50, 54, 55, 64, 119, 120, 1_000, 4_096] {
                let body = (0..<bodyLength).map { _ in UInt8.random(in: 0...255, using: &generator) }
                let timestamp = String(Int.random(in: 1_000_000_000...9_999_999_999, using: &generator))
                let expected = HMAC<SHA256>.authenticationCode(
                    for: Array("v0:\(timestamp):".utf8) + body, using: SymmetricKey(data: Array(secret.utf8)))
                let signature = verifier.sign(timestamp: timestamp, body: body)
                #expect(signature == "v0=" + expected.map { String(format: "%02x", $0) }.joined(), "secret \(secretLength) B, body \(bodyLength) B")
                let now = Date(timeIntervalSince1970: TimeInterval(timestamp)!)
                #expect(verifier.verify(timestamp: timestamp, signature: signature, body: body[...], now: now) == nil)
                #expect(verifier.verify(timestamp: timestamp, signature: signature, body: body + [0], now: now) == .badSignature)
            }
        }
    }
}
