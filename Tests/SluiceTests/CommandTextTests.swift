import Testing
@testable import SluiceCore

/// Command text normalisation: its ASCII shortcut gives what the Unicode rule (whitespace becomes a
/// space, other control characters are dropped) gives, for every ASCII character.
@Suite("Command text normalisation")
struct CommandTextTests {
    @Test func everyASCIICharacterIsNormalisedAsTheUnicodeRuleSays() {
        for value in UInt32(0)..<128 {
            let scalar = Unicode.Scalar(value)!
            let expected = scalar.properties.isWhitespace ? " " : scalar.properties.generalCategory == .control ? "" : String(scalar)
            #expect(CommandText.normalise("a\(String(scalar))b") == "a\(expected)b", "U+\(String(value, radix: 16))")
        }
    }

    @Test func typographyAroundASCIIIsStillUndone() {
        #expect(CommandText.normalise("mute raw.orders 4h \u{201C}flaky\u{201D}\u{00A0}\u{2014}x\tok\u{200B}") == "mute raw.orders 4h \"flaky\" --x ok")
    }
}
