import Foundation
import Logging
import SlackAPI
import SluiceCore
import Synchronization
import Testing
@testable import Worker

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

/// A Google credential in BigQuery's own error text never reaches the runs table, the steps, or a
/// Slack message.
@Suite("Google credentials in warehouse errors are redacted everywhere they are kept")
struct GoogleCredentialRedactionTests {
    @Test func aBearerTokenAndAPrivateKeyInABigQueryErrorAreRedactedInTheRunStepsAndMessages() async throws {
        let workspace = try Workspace()
        let clock = TestClock()
        let manifest = try BigQueryPipelineTests.shopManifest(workspace, clock: clock)
        let leaked = "request failed: Authorization: Bearer ya29.a0AfB_leaked-token; key -----BEGIN PRIVATE KEY-----\\nMIIEleaked\\n-----END PRIVATE KEY-----"
        try await FakeBigQuery.run(now: { clock.now }) { fake in
            fake.inject(.http(status: 400, reason: "invalid", message: leaked), on: .jobsInsert)
            let state = try workspace.stateStore()
            let runner = PipelineRunner(
                manifest: manifest, state: state, warehouse: BigQueryPipelineTests.warehouse(fake, manifest: manifest, clock: clock),
                clock: clock, logger: BigQueryPipelineTests.logger)
            let run = try await runner.run(RunRequest(pipeline: "shop", trigger: .manual, requestedBy: "test", costConfirmed: true))
            #expect(run.state == .failed)
            let (stored, steps, outbox) = try await state.read { r in
                (try r.run(id: run.id), try r.steps(runID: run.id), try r.outbox(state: nil, limit: 100))
            }
            let kept = [stored?.error ?? ""] + steps.flatMap { [$0.error ?? "", $0.detail ?? ""] }
                + outbox.flatMap { [$0.message.text, $0.message.blocks.description] }
            #expect(kept.contains { $0.contains("Bearer [redacted]") }, "the failure is still told")
            for text in kept {
                #expect(!text.contains("ya29.a0AfB_leaked"), "\(text)")
                #expect(!text.contains("MIIEleaked"), "\(text)")
            }
        }
    }
}
