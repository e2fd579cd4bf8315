import AgentSupport
import Testing

/// `LineFramer`: the one line framer, for the adapter process's stdout/stderr and the control socket.
@Suite struct LineFramerTests {
    private func frame(_ chunks: [String], limit: Int = 64) -> [LineFramer.Item] {
        var framer = LineFramer(maximumLineLength: limit)
        var items: [LineFramer.Item] = []
        for chunk in chunks {
            items += Array(chunk.utf8).withUnsafeBytes { framer.append($0) }
        }
        return items + framer.finish()
    }

    private func line(_ text: String) -> LineFramer.Item { .line(Array(text.utf8)) }

    @Test func framesLinesAcrossChunksAndDropsCarriageReturnsAndBlankLines() {
        #expect(
            frame(["{\"a\":", "1}\n{\"b\"", ":2}\r\n", "\n  \n", "tail"]) == [
                line("{\"a\":1}"), line("{\"b\":2}"), line("tail"),
            ]
        )
        #expect(frame([""]) == [])
    }

    @Test func dropsOverLongLinesWithoutBufferingThem() {
        let long = String(repeating: "x", count: 100)
        #expect(
            frame(["ok\n", String(long.prefix(50)), String(long.suffix(50)) + "\nnext\n"]) == [
                line("ok"), .oversized(100), line("next"),
            ]
        )
        #expect(frame([long]) == [.oversized(100)])
    }

    @Test func anOverLongLineIsKnownWhileItsBytesStillArrive() {
        var framer = LineFramer(maximumLineLength: 8)
        #expect(Array("short".utf8).withUnsafeBytes { framer.append($0) } == [])
        #expect(!framer.isDiscarding)
        #expect(Array("-and-longer".utf8).withUnsafeBytes { framer.append($0) } == [])
        #expect(framer.isDiscarding)
        #expect(
            Array("\nok\n".utf8).withUnsafeBytes { framer.append($0) } == [.oversized(16), .line(Array("ok".utf8))]
        )
        #expect(!framer.isDiscarding)
    }

    @Test func aLineOfExactlyTheLimitIsKept() {
        #expect(frame(["12345678\n"], limit: 8) == [line("12345678")])
        #expect(frame(["123456789\n"], limit: 8) == [.oversized(9)])
    }
}
