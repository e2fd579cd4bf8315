import Testing

@testable import DojoProtocol

/// A response is written straight from its typed result (``JSONTextEncoder``), never through a ``JSONValue``
/// tree; these tests hold that text byte for byte to what the tree and ``JSONWriter`` give, which is what the
/// agent sent before and what ``ResponseFrame/jsonValue`` still describes.
@Suite struct ResponseTextTests {
    /// The text the tree gives for the same frame.
    private static func treeText(_ frame: ResponseFrame) -> String { frame.jsonValue.serialized() }

    @Test(arguments: GoldenFixtureTests.responseFixtures)
    func everyGoldenResultIsWrittenAsTheTreeWritesIt(file: String, method: DojoMethod) throws {
        let fixture = try Fixture.json(file)
        let result = try DojoResult(json: try #require(fixture["result"]), for: method)
        let frame = ResponseFrame.success(result, id: RequestID("3c2d9b8e"), method: method.wireName)
        #expect(frame.encoded() == Self.treeText(frame))
        #expect(frame.encodedBytes() == Array(Self.treeText(frame).utf8))
        // A typed frame is the same value as one holding the result's JSON.
        let built = ResponseFrame(
            id: RequestID("3c2d9b8e"),
            method: method.wireName,
            outcome: .result(result.jsonValue)
        )
        #expect(frame == built)
        #expect(frame.hashValue == built.hashValue)
        #expect(frame.encoded() == built.encoded())
    }

    @Test func textThatNeedsEscapingAndEdgeValuesAreWrittenAsTheTreeWritesThem() throws {
        let party = Party(
            id: "p\"1\\",
            name: "Zoë \u{1F600} \n\r\t\u{01}\u{1F} end",
            covers: 0,
            tableIDs: ["t/1", ""],
            status: "Seated",
            startTime: Timestamp(millisecondsSince1970: -62_198_755_200_001),  // before year 0: the long form
            expectedEndTime: Timestamp(millisecondsSince1970: 253_402_300_800_000),  // year 10000
            endTime: Timestamp(millisecondsSince1970: -1),
            hostNotes: "",
            deposit: PartyDeposit(totalAmount: Money(value: .min, currencyCode: "GBP"), paymentIntentIDs: [])
        )
        for result in [
            DojoResult.party(party), .parties(Page(data: [party, party], after: "next")), .empty, .areas([]),
        ] {
            let frame = ResponseFrame.success(result, id: RequestID("1"), method: "GetPartyByIdV1")
            #expect(frame.encoded() == Self.treeText(frame))
        }
        let large = Money(value: .max, currencyCode: "EUR")
        #expect(Self.text(large) == JSONValueEncoder().encode(large).serialized())
    }

    @Test func errorFramesAndFramesWithoutIDOrMethodAreWrittenAsTheTreeWritesThem() {
        let error = DojoError(errorType: .invalidRequest, debugMessage: "params.id: \"bad\"")
        let frames: [ResponseFrame] = [
            .failure(error, id: RequestID("7"), method: "UpdatePartyV1"),
            .failure(error, id: nil, method: nil),
            .failure(error, id: RequestID(json: .integer(-42)), method: nil),
            ResponseFrame(id: nil, method: nil, outcome: .result(["b": 1, "a": [true, nil, 1.5]])),
            .success(.empty, id: RequestID(json: .double(2.5))!, method: "DeletePartyByIdV1"),
        ]
        for frame in frames {
            #expect(frame.encoded() == Self.treeText(frame))
            #expect(frame.encodedBytes() == Array(Self.treeText(frame).utf8))
        }
    }

    @Test func settingTheOutcomeReplacesTheTypedResult() {
        var frame = ResponseFrame.success(.empty, id: RequestID("1"), method: "DeletePartyByIdV1")
        frame.outcome = .result(["replaced": true])
        #expect(
            frame.encoded() == #"{"id":"1","jsonrpc":"2.0","method":"DeletePartyByIdV1","result":{"replaced":true}}"#
        )
    }

    /// A value that asks for what cannot be written as it arrives, with keys out of order, repeated and not ASCII.
    private struct Awkward: Encodable {
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode("last", forKey: Key("z"))
            try container.encode(1, forKey: Key("é"))
            try container.encode(2, forKey: Key("e\u{301}x"))
            try container.encode("first", forKey: Key("a"))
            try container.encode("again", forKey: Key("a"))
            if nested {
                var inner = container.nestedContainer(keyedBy: Key.self, forKey: Key("m"))
                try inner.encode(true, forKey: Key("k"))
                var list = container.nestedUnkeyedContainer(forKey: Key("l"))
                try list.encode("x")
                try inner.encode(false, forKey: Key("j"))
            }
        }

        var nested: Bool

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    private static func text<T: Encodable>(_ value: T) -> String {
        var writer = JSONWriter()
        JSONTextEncoder.encode(value, into: &writer)
        return writer.text
    }

    @Test(arguments: [false, true])
    func awkwardValuesAreWrittenAsTheTreeWritesThem(nested: Bool) {
        let value = Awkward(nested: nested)
        #expect(Self.text(value) == JSONValueEncoder().encode(value).serialized())
        #expect(Self.text([value, value]) == JSONValueEncoder().encode([value, value]).serialized())
    }

    @Test func keysOrderAsStringsDo() {
        let keys = ["b", "a", "ab", "", "é", "e\u{301}", "ez", "Z", "z", "aa", "a\u{0}", "\u{7F}", "\u{80}"]
        for left in keys {
            for right in keys {
                #expect(JSONTextEncoderState.orders(left, before: right) == (left < right), "\(left) < \(right)")
            }
        }
    }
}
