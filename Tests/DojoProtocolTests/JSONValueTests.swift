import DojoProtocol
import Foundation
import Testing

@Suite struct JSONValueTests {
    @Test func parsesEveryKind() throws {
        let value = try JSONValue(parsing: #" {"a":[1,-2.5,"x",true,false,null,{}],"b":{"c":[]}} "#)
        #expect(value == ["a": [1, -2.5, "x", true, false, nil, [:]], "b": ["c": []]])
    }

    @Test func integersStayExact() throws {
        #expect(try JSONValue(parsing: "9223372036854775807") == .integer(.max))
        #expect(try JSONValue(parsing: "-9223372036854775808") == .integer(.min))
        #expect(try JSONValue(parsing: "9007199254740993") == .integer(9_007_199_254_740_993))
        // Beyond Int64 the value becomes a double rather than failing.
        #expect(try JSONValue(parsing: "9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSONValue(parsing: "1.0") == .double(1))
        #expect(try JSONValue(parsing: "1e3") == .double(1000))
        #expect(try JSONValue(parsing: "-0") == .integer(0))
    }

    @Test func decodesEscapes() throws {
        #expect(try JSONValue(parsing: #""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == "a\"b\\c/d\n\té😀")
        // A lone surrogate is not Unicode: refused (never turned into U+FFFD), naming where it is.
        let lone = #expect(throws: DojoProtocolError.self) { try JSONValue(parsing: #""\ud800x""#) }
        #expect(lone?.message == #"not a valid Unicode string: lone surrogate \ud800 at offset 1"#)
    }

    @Test(arguments: [
        ("[1,]", "not valid JSON: unexpected character at offset 3"),
        ("{\"a\" 1}", "not valid JSON: unexpected character at offset 5"),
        ("01", "not valid JSON: unexpected data after the JSON value at offset 1"),
        ("1.", "not valid JSON: invalid number at offset 0"),
        ("-", "not valid JSON: invalid number at offset 0"),
        ("\"abc", "not valid JSON: unexpected end of input"),
        ("\"a\u{01}\"", "not valid JSON: unescaped control character in string at offset 2"),
        (#""\x""#, "not valid JSON: invalid escape sequence at offset 1"),
        ("tru", "not valid JSON: unexpected end of input"),
        ("nul1", "not valid JSON: unexpected character at offset 3"),
        ("   ", "not valid JSON: empty input"),
    ])
    func rejectsMalformedJSON(_ text: String, _ message: String) {
        let error = #expect(throws: DojoProtocolError.self) { try JSONValue(parsing: text) }
        #expect(error?.message == message)
        #expect(error?.code == .invalidJSON)
    }

    @Test func capsNestingDepth() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        let error = #expect(throws: DojoProtocolError.self) { try JSONValue(parsing: deep) }
        #expect(error?.message == "not valid JSON: nesting deeper than 256 levels")
        let fine = String(repeating: "[", count: 256) + String(repeating: "]", count: 256)
        #expect(throws: Never.self) { try JSONValue(parsing: fine) }
    }

    @Test func serialisesCompactlyWithSortedKeys() {
        let value: JSONValue = ["b": [1, 2.5, nil], "a": ["z": true, "y": "q\"\n\u{01}é"]]
        #expect(value.serialized() == #"{"a":{"y":"q\"\n\u0001é","z":true},"b":[1,2.5,null]}"#)
    }

    @Test func nonFiniteDoublesSerialiseAsNull() {
        #expect(JSONValue.double(.nan).serialized() == "null")
        #expect(JSONValue.double(.infinity).serialized() == "null")
    }

    @Test(arguments: [
        #"{"a":[1,-2.5e-7,1e+300,"x\u0000y",true,null],"b":{}}"#,
        #""\ud83d\ude00 emoji and \u2028""#,
        "-9223372036854775808",
        "0.1",
    ])
    func parseSerialiseParseIsStable(_ text: String) throws {
        let value = try JSONValue(parsing: text)
        #expect(try JSONValue(parsing: value.serialized()) == value)
    }

    @Test func codableAgreesWithTheHandWrittenCodec() throws {
        let value: JSONValue = ["id": 12, "price": 1.25, "name": "x", "flags": [true, nil], "nested": ["k": "v"]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: data) == value)
        #expect(try JSONValue(parsing: Array(data)) == value)
    }

    @Test func entitiesAreCodableThroughTheSameRules() throws {
        let area = Area(id: "a-1", name: "terrace", waiterIDs: ["w1"])
        let data = try JSONEncoder().encode(area)
        #expect(try JSONValue(parsing: Array(data)) == ["id": "a-1", "name": "terrace", "waiterIds": ["w1"]])
        #expect(try JSONDecoder().decode(Area.self, from: data) == area)
        let page = Page(data: [area], after: "next")
        #expect(try JSONDecoder().decode(Page<Area>.self, from: try JSONEncoder().encode(page)) == page)
    }
}
