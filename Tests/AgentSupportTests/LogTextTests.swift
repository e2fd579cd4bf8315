import AgentSupport
import Logging
import Testing

/// `LogText`: the one helper every outside value goes through on its way to a log line.
@Suite struct LogTextTests {
    @Test func controlCharactersAndQuotesAreEscaped() {
        #expect(LogText.quoted("plain") == #""plain""#)
        #expect(LogText.quoted("a\"b\\c") == #""a\"b\\c""#)
        #expect(LogText.quoted("x\n2026 critical FORGED\r\t") == #""x\n2026 critical FORGED\r\t""#)
        #expect(
            LogText.quoted("nul\u{0}esc\u{1B}del\u{7F}c1\u{85}ls\u{2028}")
                == #""nul\u{0}esc\u{1B}del\u{7F}c1\u{85}ls\u{2028}""#
        )
        #expect(LogText.quoted("é😀") == #""é😀""#)
    }

    @Test func aLongValueIsClippedWithItsFullLength() {
        let clipped = LogText.quoted(String(repeating: "a", count: 1_000_000))
        #expect(clipped == "\"" + String(repeating: "a", count: 200) + "\"…(1000000 bytes)")
        #expect(LogText.quoted(String(repeating: "b", count: 200)) == "\"" + String(repeating: "b", count: 200) + "\"")
    }

    @Test func clippingCountsScalarsSoCombiningMarksCannotHideLength() {
        // One Character of a million combining marks is still clipped.
        let text = "e" + String(repeating: "\u{301}", count: 1_000_000)
        #expect(LogText.quoted(text).unicodeScalars.count < 230)
    }

    @Test func theMessageFormKeepsQuotesButEscapesControls() {
        #expect(LogText.escaped(#"response {"id": 1}"#) == #"response {"id": 1}"#)
        #expect(LogText.escaped("line\r\u{1B}[2J") == #"line\r\u{1B}[2J"#)
        #expect(LogText.escaped(String(repeating: "z", count: 5000)).hasSuffix("z…(5000 bytes)"))
    }

    /// The log format quotes a value as it must; the value itself is escaped and clipped.
    @Test func theMetadataValueIsTheEscapedClippedForm() {
        let value: Logger.MetadataValue = .quoted("a\nb\"c")
        #expect("\(value)" == #"a\nb"c"#)
        let long: Logger.MetadataValue = .quoted(String(repeating: "z", count: 5000))
        #expect("\(long)" == String(repeating: "z", count: 200) + "…(5000 bytes)")
    }
}
