import Testing

@testable import Transport

/// The pure parts of the transport, without sockets or time.
@Suite struct MessageAssemblerTests {
    private func feed(
        _ assembler: inout MessageAssembler,
        _ text: String,
        binary: Bool = false,
        final: Bool
    )
        -> MessageAssembler.Outcome
    {
        Array(text.utf8).withUnsafeBytes { assembler.append($0, isBinary: binary, isFinal: final) }
    }

    @Test func reassemblesChunksIntoOneMessage() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(self.feed(&assembler, "he", final: false) == .incomplete)
        #expect(self.feed(&assembler, "llo", final: true) == .message(.text("hello")))
        #expect(self.feed(&assembler, "", final: true) == .message(.text("")))
    }

    @Test func binaryIsDecidedByTheFirstChunk() {
        var assembler = MessageAssembler(maxMessageSize: 100)
        #expect(self.feed(&assembler, "ab", binary: true, final: false) == .incomplete)
        #expect(self.feed(&assembler, "c", binary: false, final: true) == .message(.binary(Array("abc".utf8))))
    }

    @Test func oversizeIsReportedOnceAndTheRestDiscarded() {
        var assembler = MessageAssembler(maxMessageSize: 4)
        #expect(self.feed(&assembler, "abc", final: false) == .incomplete)
        #expect(self.feed(&assembler, "de", final: false) == .tooBig(limit: 4))
        #expect(self.feed(&assembler, "fg", final: true) == .incomplete)
        #expect(self.feed(&assembler, "ok", final: true) == .message(.text("ok")))
    }

    @Test func invalidUTF8TextIsRejected() {
        var assembler = MessageAssembler(maxMessageSize: 10)
        let outcome = [UInt8]([0x61, 0xC3]).withUnsafeBytes { assembler.append($0, isBinary: false, isFinal: true) }
        #expect(outcome == .invalidUTF8)
    }
}

@Suite struct LivenessMonitorTests {
    @Test func pingsOnTheIntervalAndDeclaresDeathAfterTheTimeout() {
        var monitor = LivenessMonitor(pingInterval: 20_000_000, pongTimeout: 10_000_000)
        #expect(monitor.opened(at: 0) == 20_000_000)
        #expect(monitor.timerFired(at: 5_000_000) == .wait(15_000_000))
        #expect(monitor.timerFired(at: 20_000_000) == .sendPing(recheckAfter: 10_000_000))
        #expect(monitor.timerFired(at: 29_999_999) == .wait(1))
        #expect(monitor.timerFired(at: 30_000_000) == .peerDead)
    }

    @Test func anyTrafficAfterThePingProvesLife() {
        var monitor = LivenessMonitor(pingInterval: 20_000_000, pongTimeout: 10_000_000)
        _ = monitor.opened(at: 0)
        #expect(monitor.timerFired(at: 20_000_000) == .sendPing(recheckAfter: 10_000_000))
        #expect(monitor.trafficReceived(at: 20_500_000) == 19_500_000)
        #expect(monitor.trafficReceived(at: 20_600_000) == nil, "only the first answer re-arms the timer")
        #expect(monitor.timerFired(at: 30_000_000) == .wait(10_000_000))
        #expect(monitor.timerFired(at: 40_000_000) == .sendPing(recheckAfter: 10_000_000))
    }

    /// Regression: with an interval shorter than the timeout, a late pong once made the monitor ask for a wait
    /// of zero, and the lws timer spun, starving the socket so the pong was never read.
    @Test func aLatePongWithAShortIntervalWaitsForTheDeadlineInsteadOfSpinning() {
        var monitor = LivenessMonitor(pingInterval: 100, pongTimeout: 10_000)
        _ = monitor.opened(at: 0)
        #expect(monitor.timerFired(at: 100) == .sendPing(recheckAfter: 100))
        #expect(monitor.timerFired(at: 200) == .wait(9_900))
        #expect(monitor.trafficReceived(at: 250) == 0, "the pong came after the next ping was due: ping now")
        #expect(monitor.timerFired(at: 250) == .sendPing(recheckAfter: 100))
        #expect(monitor.timerFired(at: 10_250) == .peerDead)
    }

    @Test func trafficDoesNotPostponeThePing() {
        // Validity, not idleness: a busy link is still pinged every interval.
        var monitor = LivenessMonitor(pingInterval: 1_000, pongTimeout: 500)
        _ = monitor.opened(at: 0)
        #expect(monitor.trafficReceived(at: 10) == nil)
        #expect(monitor.timerFired(at: 1_000) == .sendPing(recheckAfter: 500))
    }
}

@Suite struct WebSocketEndpointTests {
    @Test func parsesSchemesPortsAndPaths() throws {
        let secure = try WebSocketEndpoint(url: "wss://eu.ws.dojo.tech/epos")
        #expect(secure.isSecure && secure.host == "eu.ws.dojo.tech" && secure.port == 443 && secure.path == "/epos")
        #expect(secure.hostHeader == "eu.ws.dojo.tech")
        let plain = try WebSocketEndpoint(url: "ws://127.0.0.1:9001?x=1")
        #expect(!plain.isSecure && plain.port == 9001 && plain.path == "/?x=1" && plain.hostHeader == "127.0.0.1:9001")
        let v6 = try WebSocketEndpoint(url: "ws://[::1]:8080/p")
        #expect(v6.host == "::1" && v6.port == 8080 && v6.hostHeader == "[::1]:8080")
    }

    @Test(arguments: [
        ("http://x/", "the scheme must be ws:// or wss://"),
        ("ws:///path", "the host is missing"),
        ("ws://host:0/", "the port must be a number from 1 to 65535"),
        ("ws://host:99999/", "the port must be a number from 1 to 65535"),
        ("ws://user:pw@host/", "credentials in the URL are not supported; use headers"),
    ])
    func rejectsBadURLs(url: String, reason: String) {
        #expect(throws: WebSocketTransportError.self) { try WebSocketEndpoint(url: url) }
        do {
            _ = try WebSocketEndpoint(url: url)
        } catch {
            #expect(error.message == "invalid WebSocket URL '\(url)': \(reason)")
        }
    }

    @Test func rejectsHeaderInjection() {
        #expect(throws: WebSocketTransportError.self) {
            try WebSocketEndpoint(url: "ws://h/", headers: [("X", "a\r\nEvil: 1")])
        }
        #expect(throws: WebSocketTransportError.self) {
            try WebSocketEndpoint(url: "ws://h/", headers: [("Bad Name", "v")])
        }
    }
}

@Suite struct WebSocketCloseCodeTests {
    @Test func reservedCodesAreNeverSendable() {
        #expect(!WebSocketCloseCode.noStatusReceived.isSendable)
        #expect(!WebSocketCloseCode.abnormalClosure.isSendable)
        #expect(!WebSocketCloseCode.tlsHandshakeFailure.isSendable)
        #expect(WebSocketCloseCode.normalClosure.isSendable)
        #expect(WebSocketCloseCode.goingAway.isSendable)
        #expect(WebSocketCloseCode.messageTooBig.isSendable)
        #expect(WebSocketCloseCode(rawValue: 4001).isSendable)
        #expect(!WebSocketCloseCode(rawValue: 999).isSendable)
        #expect(WebSocketCloseCode.messageTooBig.description == "1009 (message too big)")
    }
}
