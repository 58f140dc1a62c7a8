import Foundation
import SlackAPI
import Testing
@testable import Worker

@Suite("Slack payloads")
struct SlackPayloadTests {
    static func fixture(_ name: String, _ ext: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: ext, subdirectory: "Fixtures/slack"))
        return try Data(contentsOf: url)
    }

    /// A `.form` fixture as Slack sends it (the file ends with a newline Slack does not send).
    static func form(_ name: String) throws -> String {
        String(decoding: try fixture(name, "form"), as: UTF8.self).trimmingCharacters(in: .newlines)
    }

    // MARK: Forms

    @Test func theSlashCommandFormDecodesToItsFields() throws {
        let fields = FormURLEncoded.decode(try Self.form("slash-command"))
        let expected = try JSONDecoder().decode([String: String].self, from: try Self.fixture("slash-command.fields", "json"))
        #expect(fields == expected)
        #expect(fields["text"] == "freshness raw.orders")
        #expect(fields["response_url"] == "https://hooks.slack.com/commands/T0ACCEPT1/1234567890/abcdefABCDEF1234")
    }

    @Test func theSlashCommandPayloadReadsTheForm() throws {
        let payload = try #require(SlashCommandPayload(form: FormURLEncoded.decode(try Self.form("slash-command"))))
        #expect(payload == SlashCommandPayload(
            command: "/sluice", text: "freshness raw.orders", userID: "U0123ABCD", userName: "u0123abcd",
            channelID: "C0123CHAN", channelName: "acceptance", teamID: "T0ACCEPT1",
            responseURL: "https://hooks.slack.com/commands/T0ACCEPT1/1234567890/abcdefABCDEF1234",
            triggerID: "1795275527.1.c344e0c6bd9e49b59ee093d55b23ee8a"))
    }

    @Test func slacksSigningExampleIsASlashCommandWithEmptyText() throws {
        let body = String(decoding: try Self.fixture("signing-example", "form"), as: UTF8.self)
        let payload = try #require(SlashCommandPayload(form: FormURLEncoded.decode(body)))
        #expect(payload.command == "/webhook-collect")
        #expect(payload.text == "")
        #expect(payload.channelID == "G8PSS9T3V")
    }

    @Test(arguments: ["command", "user_id", "channel_id"])
    func aCommandWithoutARequiredFieldIsNotACommand(missing: String) throws {
        var fields = FormURLEncoded.decode(try Self.form("slash-command"))
        fields[missing] = nil
        #expect(SlashCommandPayload(form: fields) == nil)
        fields[missing] = ""
        #expect(SlashCommandPayload(form: fields) == nil)
    }

    @Test func optionalCommandFieldsDefault() throws {
        let payload = try #require(SlashCommandPayload(form: ["command": "/sluice", "user_id": "U1", "channel_id": "C1"]))
        #expect(payload.text == "")
        #expect(payload.responseURL == nil)
        #expect(payload.triggerID == nil)
    }

    @Test(arguments: [
        ("a=1&b=2", ["a": "1", "b": "2"]),
        ("text=two+words", ["text": "two words"]),
        ("text=a%2Bb%20c", ["text": "a+b c"]),
        ("text=%E2%9C%93+done", ["text": "✓ done"]),
        ("a=1&a=2", ["a": "2"]),
        ("flag", ["flag": ""]),
        ("a=", ["a": ""]),
        ("a=b=c", ["a": "b=c"]),
        ("&&a=1&&", ["a": "1"]),
        ("=orphan&b=2", ["b": "2"]),
        ("", [:]),
        ("pct=100%", ["pct": "100%"]),
        ("bad=%zz%4", ["bad": "%zz%4"]),
        ("cut=%E2%9C", ["cut": "\u{FFFD}"]),
        ("nul=%00x", ["nul": "\u{0}x"]),
        ("sql=select+*+from+t%3B+drop+table+x%3B--", ["sql": "select * from t; drop table x;--"]),
    ] as [(String, [String: String])])
    func formDecodingEdgeCases(body: String, expected: [String: String]) {
        #expect(FormURLEncoded.decode(body) == expected)
    }

    @Test func formEncodingRoundTrips() {
        let fields: [(name: String, value: String)] = [
            ("text", "mute 4h backfill & rerun = 100% ✓"), ("empty", ""), ("plus", "a+b"), ("path", "/sluice"),
        ]
        let encoded = FormURLEncoded.encode(fields)
        #expect(encoded.hasPrefix("text=mute+4h+backfill+%26+rerun+%3D+100%25+%E2%9C%93&"))
        #expect(encoded.contains("path=%2Fsluice"))
        #expect(FormURLEncoded.decode(encoded) == Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.value) }))
    }

    // MARK: Events

    static func envelope(_ name: String) throws -> SlackEventEnvelope {
        try JSONDecoder().decode(SlackEventEnvelope.self, from: try fixture(name, "json"))
    }

    @Test func urlVerificationCarriesTheChallenge() throws {
        let envelope = try Self.envelope("event-url-verification")
        #expect(envelope.type == "url_verification")
        #expect(envelope.challenge == "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P")
        #expect(envelope.event == nil)
    }

    @Test func anAppMentionInAThread() throws {
        let envelope = try Self.envelope("event-app-mention-in-thread")
        #expect(envelope.type == "event_callback")
        #expect(envelope.eventID == "EvAB822B3965")
        #expect(envelope.teamID == "T0ACCEPT1")
        #expect(envelope.botUserID == "U0BOTSLUICE")
        #expect(envelope.event == SlackEvent(
            type: "app_mention", user: "U0123ABCD", text: "<@U0BOTSLUICE> ack", channel: "C0123CHAN",
            ts: "1795275527.900002", threadTS: "1795270000.000100", eventTS: "1795275527.900002"))
    }

    @Test func aMessageInAThread() throws {
        let envelope = try Self.envelope("event-message-in-thread")
        let event = try #require(envelope.event)
        #expect(envelope.eventID == "EvD7763DD834")
        #expect(event.type == "message")
        #expect(event.subtype == nil)
        #expect(event.botID == nil)
        #expect(event.text == "<@U0BOTSLUICE> mute 4h backfill running")
        #expect(event.threadTS == "1795270000.000100")
        #expect(event.channelType == "channel")
    }

    @Test func appHomeOpened() throws {
        let event = try #require(try Self.envelope("event-app-home-opened").event)
        #expect(event.type == "app_home_opened")
        #expect(event.user == "U0123ABCD")
        #expect(event.channel == "D0123ABCD")
        #expect(event.tab == "home")
    }

    @Test func aBotMessageIsRecognisable() throws {
        let json = #"{"type":"event_callback","event_id":"Ev1","event":{"type":"message","subtype":"bot_message","bot_id":"B9","text":"hi","channel":"C1","ts":"1.2"}}"#
        let event = try #require(try JSONDecoder().decode(SlackEventEnvelope.self, from: Data(json.utf8)).event)
        #expect(event.subtype == "bot_message")
        #expect(event.botID == "B9")
        #expect(event.user == nil)
    }

    @Test func fieldsOfTheWrongTypeReadAsAbsent() throws {
        let json = #"{"type":"event_callback","challenge":5,"event_id":["x"],"team_id":null,"authorizations":"no","event":{"type":"message","text":{"a":1},"ts":1.5,"user":"U1"},"extra":{"deep":[1,2,3]}}"#
        let envelope = try JSONDecoder().decode(SlackEventEnvelope.self, from: Data(json.utf8))
        #expect(envelope.challenge == nil)
        #expect(envelope.eventID == nil)
        #expect(envelope.botUserID == nil)
        #expect(envelope.event?.text == nil)
        #expect(envelope.event?.ts == nil)
        #expect(envelope.event?.user == "U1")
    }

    @Test func anEventWithoutATypeIsDropped() throws {
        let json = #"{"type":"event_callback","event":{"text":"no type"}}"#
        let envelope = try JSONDecoder().decode(SlackEventEnvelope.self, from: Data(json.utf8))
        #expect(envelope.event == nil)
    }

    @Test(arguments: ["", "null", "[]", "42", #""event_callback""#, "{}", #"{"type":7}"#, "{", #"{"type":"event_callback""#])
    func bodiesThatAreNotEnvelopesFailToDecode(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(SlackEventEnvelope.self, from: Data(json.utf8)) }
    }

    // MARK: Interactions

    @Test func blockActionsFromTheFormMatchTheJSON() throws {
        let fromForm = try #require(BlockActionsPayload.decode(formBody: try Self.form("interaction-block-actions")))
        let json = String(decoding: try Self.fixture("interaction-block-actions", "json"), as: UTF8.self)
        let fromJSON = try #require(Self.interaction(json))
        #expect(fromForm == fromJSON)
        #expect(fromForm.type == "block_actions")
        #expect(fromForm.user == BlockActionsPayload.User(id: "U0123ABCD", username: "ada.operator"))
        #expect(fromForm.teamID == "T0ACCEPT1")
        #expect(fromForm.channel == BlockActionsPayload.Channel(id: "C0123CHAN", name: "alerts"))
        #expect(fromForm.message == BlockActionsPayload.Message(ts: "1795270000.000100"))
        #expect(fromForm.container == BlockActionsPayload.Container(
            type: "message", messageTS: "1795270000.000100", channelID: "C0123CHAN", isEphemeral: false))
        #expect(fromForm.responseURL == "https://hooks.slack.com/actions/T0ACCEPT1/1234567890/abcdefABCDEF1234")
        #expect(fromForm.triggerID == "1795275527.5.32e536ac17fb4f53ac6340d6277ecdf3")
        #expect(fromForm.actions == [BlockActionsPayload.Action(actionID: "alert.ack", value: "alert-42", blockID: "alert_actions")])
        #expect(fromForm.view == nil)
    }

    @Test func aThreadedMessageAndOddFieldsDecode() throws {
        let json = #"{"type":"block_actions","user":{"id":"U1","username":7},"channel":{"name":"no-id"},"message":{"ts":"5.5","thread_ts":"4.4"},"team":"T1","actions":"none"}"#
        let payload = try #require(Self.interaction(json))
        #expect(payload.user == BlockActionsPayload.User(id: "U1"))
        #expect(payload.channel == nil)
        #expect(payload.message == BlockActionsPayload.Message(ts: "5.5", threadTS: "4.4"))
        #expect(payload.teamID == nil)
        #expect(payload.actions.isEmpty)
    }

    @Test func anEphemeralMessageButtonUsesTheContainer() throws {
        let json = #"{"type":"block_actions","user":{"id":"U1"},"container":{"type":"message","message_ts":"9.1","thread_ts":"8.1","channel_id":"C9","is_ephemeral":true},"actions":[{"action_id":"run.rerun","value":"run-7"},{"action_id":"x","value":3}]}"#
        let payload = try #require(Self.interaction(json))
        #expect(payload.channel == nil)
        #expect(payload.message == nil)
        #expect(payload.container == BlockActionsPayload.Container(
            type: "message", messageTS: "9.1", threadTS: "8.1", channelID: "C9", isEphemeral: true))
        #expect(payload.actions == [
            BlockActionsPayload.Action(actionID: "run.rerun", value: "run-7"), BlockActionsPayload.Action(actionID: "x"),
        ])
        #expect(payload.responseURL == nil)
    }

    @Test func aViewSubmissionIsIdentified() throws {
        let json = #"{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1","username":"ada"},"trigger_id":"t.1","view":{"id":"V1","type":"modal","callback_id":"backfill.confirm","private_metadata":"{\"pipeline\":\"shop\"}","state":{"values":{}}}}"#
        let payload = try #require(Self.interaction(json))
        #expect(payload.type == "view_submission")
        #expect(payload.user.id == "U1")
        #expect(payload.teamID == "T1")
        #expect(payload.actions.isEmpty)
        #expect(payload.view == BlockActionsPayload.View(
            id: "V1", type: "modal", callbackID: "backfill.confirm", privateMetadata: #"{"pipeline":"shop"}"#))
    }

    /// `json` as the `/slack/interactions` route receives it (form field `payload`), decoded through
    /// the one entry point the route uses.
    static func interaction(_ json: String) -> BlockActionsPayload? {
        BlockActionsPayload.decode(formBody: FormURLEncoded.encode([("payload", json)]))
    }

    @Test(arguments: [
        "", "payload=", "payload=%7B", "payload=null", "payload=%5B%5D", "other=%7B%7D",
        "payload=%7B%22type%22%3A%22block_actions%22%7D",
        "payload=%7B%22type%22%3A%22block_actions%22%2C%22user%22%3A%22U1%22%7D",
    ])
    func formsThatAreNotInteractionsAreNil(body: String) {
        #expect(BlockActionsPayload.decode(formBody: body) == nil)
    }

    // MARK: Garbage

    @Test func garbageNeverCrashesAnyDecoder() throws {
        var random = SplitMix64(seed: 2024)
        let fragments = [
            "payload=", "%7B", "%22type%22", "%3A", "%22block_actions%22", "&", "=", "+", "%", "%E2", "%zz", "{", "}", "[",
            "\"type\":\"event_callback\"", "\"event\":{", "null", ",", "\u{0}", "💥", "text=", "command=%2Fsluice",
            "'; drop table runs;--", String(repeating: "a", count: 5000),
        ]
        var roundTripMismatches = 0
        for _ in 0..<2000 {
            let body: String
            if random.next() % 2 == 0 {
                body = String(decoding: random.bytes(Int(random.next() % 300)), as: UTF8.self)
            } else {
                body = (0..<Int(random.next() % 12)).map { _ in random.pick(fragments) }.joined()
            }
            let fields = FormURLEncoded.decode(body)
            #expect(fields == Self.referenceDecode(body), "the one-pass decoder agrees with the plain one on \(body.prefix(80))")
            #expect(!fields.keys.contains(""))
            let reencoded = FormURLEncoded.encode(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            if FormURLEncoded.decode(reencoded) != fields { roundTripMismatches += 1 }
            _ = SlashCommandPayload(form: fields)
            _ = BlockActionsPayload.decode(formBody: body)
            _ = try? JSONDecoder().decode(SlackEventEnvelope.self, from: Data(body.utf8))
        }
        #expect(roundTripMismatches == 0)
    }

    @Test func veryLongValuesDecodeWhole() {
        let long = String(repeating: "select 1; ", count: 20_000)
        let fields = FormURLEncoded.decode(FormURLEncoded.encode([("text", long), ("command", "/sluice"), ("user_id", "U1"), ("channel_id", "C1")]))
        #expect(SlashCommandPayload(form: fields)?.text == long)
    }
}

extension SlackPayloadTests {
    /// The form decoding rule written plainly (split on `&`, then on the first `=`, then unescape),
    /// the oracle for `FormURLEncoded.decode`'s one-pass version.
    static func referenceDecode(_ body: String) -> [String: String] {
        func unescape(_ bytes: [UInt8]) -> String {
            var output: [UInt8] = []
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let hex: (UInt8) -> UInt8? = { c in
                    switch c {
                    case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
                    case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
                    case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
                    default: nil
                    }
                }
                if byte == UInt8(ascii: "+") {
                    output.append(UInt8(ascii: " "))
                } else if byte == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                    output.append(high << 4 | low)
                    index += 2
                } else {
                    output.append(byte)
                }
                index += 1
            }
            return String(decoding: output, as: UTF8.self)
        }
        var fields: [String: String] = [:]
        for pair in Array(body.utf8).split(separator: UInt8(ascii: "&")) {
            let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = unescape(Array(parts[0]))
            guard !name.isEmpty else { continue }
            fields[name] = parts.count > 1 ? unescape(Array(parts[1])) : ""
        }
        return fields
    }
}
