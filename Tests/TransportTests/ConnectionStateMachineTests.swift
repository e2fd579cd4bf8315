import Testing

@testable import Transport

/// The connection's lifecycle without lws, sockets or time: each test feeds events and checks the actions.
@Suite struct ConnectionStateMachineTests {
    typealias Machine = ConnectionStateMachine

    private static let endpoint = try! WebSocketEndpoint(url: "ws://127.0.0.1:9/epos")
    private static let secureEndpoint = try! WebSocketEndpoint(url: "wss://127.0.0.1:9/epos")

    private static func machine(
        _ endpoint: WebSocketEndpoint = Self.endpoint,
        configure: (inout WebSocketConfiguration) -> Void = { _ in }
    ) -> Machine {
        var configuration = WebSocketConfiguration()
        configuration.closeTimeout = .seconds(5)
        configuration.handshakeTimeout = .seconds(10)
        configure(&configuration)
        return Machine(endpoint: endpoint, configuration: configuration)
    }

    private static func openMachine() -> Machine {
        var machine = Self.machine()
        machine.attemptStarted(at: 0)
        #expect(machine.established() == [.succeedConnect])
        return machine
    }

    private static func facts(status: Int = 0, lines: [String] = [], now: Int64 = 1_000) -> Machine.EndFacts {
        Machine.EndFacts(httpStatus: status, logLines: lines, now: now)
    }

    private static let notSent = Machine.closedError("the message was not sent")

    // MARK: - Connecting

    @Test func establishedOpensOnceAndOnlyFromConnecting() {
        var machine = Self.openMachine()
        #expect(machine.isOpen)
        #expect(machine.established() == [], "a second ESTABLISHED changes nothing")
    }

    @Test func sendsAreQueuedOnlyWhileOpen() {
        var machine = Self.machine()
        #expect(machine.sendRequested() == .fail(Self.notSent))
        _ = machine.established()
        #expect(machine.sendRequested() == .queue)
        _ = machine.closeRequested(.init(code: .normalClosure, reason: ""))
        #expect(machine.sendRequested() == .fail(Self.notSent))
    }

    @Test(arguments: [401, 403])
    func aRefusedUpgradeIsAnAuthRejection(status: Int) throws {
        var machine = Self.machine()
        let actions = machine.connectionEnded(.connectionError("HS: ws upgrade unauthorized")) {
            Self.facts(status: status)
        }
        #expect(actions.count == 4)
        guard case .failConnect(.failed(let error)) = actions[1] else {
            Issue.record("expected failConnect, got \(actions)")
            return
        }
        #expect(error.isAuthRejection)
        #expect(error.httpStatus == status)
        #expect(actions == [.refuseCommands, .failConnect(.failed(error)), .finishInbound(error), .exit])
    }

    @Test func aServerErrorOnTheUpgradeIsRejectedButNotAnAuthRejection() {
        var machine = Self.machine()
        let error = Self.connectError(
            machine.connectionEnded(.connectionError("HS: not 101")) { Self.facts(status: 503) }
        )
        #expect(error?.code == .handshakeRejected)
        #expect(error?.isAuthRejection == false)
    }

    @Test func aCloseBeforeTheUpgradeAtTheHandshakeTimeoutIsATimeout() {
        var machine = Self.machine()
        machine.attemptStarted(at: 5_000_000)
        // 9.8 s after the start, within the quarter second of slack for lws' whole-second timer.
        let error = Self.connectError(machine.connectionEnded(.closedBeforeUpgrade) { Self.facts(now: 14_800_000) })
        #expect(error?.code == .handshakeTimeout)
    }

    @Test func anEarlyCloseBeforeTheUpgradeIsAConnectFailureWithLwsDetail() {
        var machine = Self.machine()
        machine.attemptStarted(at: 5_000_000)
        let error = Self.connectError(
            machine.connectionEnded(.closedBeforeUpgrade) { Self.facts(lines: ["first", "last line"], now: 5_100_000) }
        )
        #expect(error?.code == .connectFailed)
        #expect(error?.message.hasSuffix("(libwebsockets: last line)") == true)
    }

    @Test func aTLSReasonInTheLogExplainsASecureConnectFailure() {
        var machine = Self.machine(Self.secureEndpoint)
        let lines = ["SSL error: certificate verify failed: hostname mismatch"]
        let error = Self.connectError(
            machine.connectionEnded(.connectionError("connect SSL err 1")) { Self.facts(lines: lines) }
        )
        #expect(error?.code == .tlsFailure)
        #expect(error?.message.contains("not valid for host '127.0.0.1'") == true)
    }

    @Test func theSameLogLineOnAPlainConnectionIsNotATLSFailure() {
        var machine = Self.machine()
        let error = Self.connectError(
            machine.connectionEnded(.connectionError("connect failed")) { Self.facts(lines: ["SSL thing"]) }
        )
        #expect(error?.code == .connectFailed)
        #expect(
            error?.message == "could not connect to ws://127.0.0.1:9/epos: connect failed (libwebsockets: SSL thing)"
        )
    }

    @Test func headersThatDidNotFitExplainTheFailureLwsReportsNext() {
        var machine = Self.machine()
        let tooLarge = WebSocketTransportError(.invalidConfiguration, "the handshake headers do not fit")
        machine.headersDidNotFit(tooLarge)
        var factsRead = false
        let actions = machine.connectionEnded(.connectionError("whatever lws says")) {
            factsRead = true
            return Self.facts(status: 500)
        }
        #expect(actions == [.refuseCommands, .failConnect(.failed(tooLarge)), .finishInbound(tooLarge), .exit])
        #expect(!factsRead, "the earlier reason needs no facts")
    }

    @Test func aCloseWhileConnectingCancelsTheConnect() {
        var machine = Self.machine()
        let actions = machine.closeRequested(.init(code: .goingAway, reason: ""))
        #expect(actions == [.refuseCommands, .failConnect(.cancelled), .finishInbound(nil), .exit])
        #expect(machine.connectionEnded(.closedBeforeUpgrade) { Self.facts() } == [], "the end was already reported")
    }

    @Test func aContextThatCouldNotBeCreatedFailsTheConnectOnce() {
        var machine = Self.machine()
        let error = WebSocketTransportError(.connectFailed, "could not create a libwebsockets context")
        #expect(machine.contextFailed(error) == [.refuseCommands, .failConnect(.failed(error)), .finishInbound(error)])
        #expect(machine.loopEnded() == [.refuseCommands, .failSends(Self.notSent)])
    }

    @Test func aLoopThatEndsWhileConnectingAbandonsTheAttempt() {
        var machine = Self.machine()
        let actions = machine.loopEnded()
        #expect(actions.first == .refuseCommands)
        #expect(actions.contains(.failConnect(.failed(Machine.closedError("the connection attempt was abandoned")))))
    }

    // MARK: - Closing

    @Test func aLocalCloseSendsTheFrameOnceAndEndsInboundCleanly() {
        var machine = Self.openMachine()
        let frame = Machine.CloseFrame(code: .normalClosure, reason: "bye")
        #expect(
            machine.closeRequested(frame) == [
                .refuseCommands, .failSends(Self.notSent), .sendCloseFrame(timeout: 5_000_000),
            ]
        )
        #expect(machine.closeRequested(frame) == [], "a second close changes nothing")
        #expect(machine.writable() == .sendClose(frame, thenExit: false))
        // lws trap 3: WRITEABLE keeps coming while lws waits for the echo; a second -1 would drop the socket.
        #expect(machine.writable() == .nothing)
        #expect(machine.writable() == .nothing)
        #expect(
            machine.connectionEnded(.closed) { Self.facts() } == [
                .refuseCommands, .finishInbound(nil), .failSends(Self.notSent), .reportClosed(nil), .exit,
            ]
        )
        #expect(machine.loopEnded() == [.refuseCommands, .failSends(Self.notSent)], "inbound is not finished twice")
    }

    @Test func theCloseTimerGivesUpOnAHandshakeThePeerNeverFinishes() {
        var machine = Self.openMachine()
        #expect(machine.timerFired() == .checkLiveness)
        _ = machine.closeRequested(.init(code: .normalClosure, reason: ""))
        #expect(machine.timerFired() == .closeHandshakeTimedOut)
        // The loop exits and destroys the context; lws may report the end during the destroy, or not at all.
        #expect(machine.loopEnded() == [.refuseCommands, .failSends(Self.notSent), .finishInbound(nil)])
        #expect(machine.timerFired() == .nothing)
    }

    @Test func anOversizeMessageEndsInboundAtOnceWithTheErrorItAlsoGivesSends() {
        var machine = Self.openMachine()
        let error = WebSocketTransportError(.messageTooBig, "too big", closeCode: .messageTooBig)
        let frame = Machine.CloseFrame(code: .messageTooBig, reason: "message exceeds 4 bytes")
        #expect(
            machine.fail(error, sending: frame) == [
                .refuseCommands, .finishInbound(error), .failSends(error), .sendCloseFrame(timeout: 5_000_000),
            ]
        )
        #expect(machine.sendRequested() == .fail(error), "a send drained after the failure names it")
        #expect(machine.writable() == .sendClose(frame, thenExit: false))
        // The peer echoes our close: that frame is not the reason, ours is; inbound already finished.
        machine.peerSentClose(.init(code: .messageTooBig, reason: ""))
        #expect(
            machine.connectionEnded(.closed) { Self.facts() } == [
                .refuseCommands, .failSends(error), .reportClosed(error), .exit,
            ]
        )
        #expect(machine.sendRequested() == .fail(error))
    }

    @Test func aDeadPeerGetsItsCloseFrameAndIsDroppedWithoutWaitingForTheEcho() {
        var machine = Self.openMachine()
        let error = WebSocketTransportError(.peerUnresponsive, "no pong", closeCode: .goingAway)
        let frame = Machine.CloseFrame(code: .goingAway, reason: "ping timeout")
        let actions = machine.fail(error, sending: frame, dropAfterSending: true)
        #expect(actions.last == .sendCloseFrame(timeout: 1_000_000), "at most a second for the frame to go out")
        #expect(machine.writable() == .sendClose(frame, thenExit: true))
    }

    @Test func aShortCloseTimeoutIsKeptForADeadPeer() {
        var machine = Self.machine { $0.closeTimeout = .milliseconds(200) }
        _ = machine.established()
        let error = WebSocketTransportError(.peerUnresponsive, "no pong")
        let actions = machine.fail(error, sending: .init(code: .goingAway, reason: ""), dropAfterSending: true)
        #expect(actions.last == .sendCloseFrame(timeout: 200_000))
    }

    // MARK: - Ends while open

    @Test func thePeersCloseFrameExplainsTheEnd() {
        var machine = Self.openMachine()
        machine.peerSentClose(.init(code: WebSocketCloseCode(rawValue: 4001), reason: "go away"))
        var factsRead = false
        let actions = machine.connectionEnded(.closed) {
            factsRead = true
            return Self.facts()
        }
        let expected = WebSocketTransportError(
            .closedByPeer,
            "the peer closed the connection with code 4001: go away",
            closeCode: WebSocketCloseCode(rawValue: 4001),
            closeReason: "go away"
        )
        #expect(
            actions == [
                .refuseCommands, .finishInbound(expected), .failSends(expected), .reportClosed(expected), .exit,
            ]
        )
        #expect(!factsRead)
    }

    @Test func aSocketThatEndsWithoutACloseFrameIsLost() {
        var machine = Self.openMachine()
        let actions = machine.connectionEnded(.closed) { Self.facts(lines: ["rx eof"]) }
        let lost = WebSocketTransportError(
            .connectionLost,
            "the socket closed without a close frame (libwebsockets: rx eof)"
        )
        #expect(actions == [.refuseCommands, .finishInbound(lost), .failSends(lost), .reportClosed(lost), .exit])
    }

    @Test func eachEndIsReportedOnceWhicheverCallbacksReportIt() {
        var machine = Self.openMachine()
        #expect(machine.connectionEnded(.connectionError("read failed")) { Self.facts() }.count == 5)
        #expect(machine.connectionEnded(.closedBeforeUpgrade) { Self.facts() } == [])
        #expect(machine.connectionEnded(.closed) { Self.facts() } == [])
        #expect(machine.closeRequested(.init(code: .normalClosure, reason: "")) == [])
        #expect(machine.writable() == .nothing)
    }

    @Test func aLoopThatStopsWhileOpenStillEndsInbound() {
        var machine = Self.openMachine()
        let lost = WebSocketTransportError(.connectionLost, "the connection ended")
        #expect(machine.loopEnded() == [.refuseCommands, .failSends(Self.notSent), .finishInbound(lost)])
    }

    private static func connectError(_ actions: [Machine.Action]) -> WebSocketTransportError? {
        for case .failConnect(.failed(let error)) in actions { return error }
        Issue.record("no failConnect in \(actions)")
        return nil
    }
}
