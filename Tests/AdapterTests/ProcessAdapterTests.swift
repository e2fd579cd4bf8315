import DojoAdapter
import DojoAgentCore
import DojoAgentTesting
import DojoProcessAdapter
import DojoProtocol
import Foundation
import Logging
import SystemCalls
import Testing

/// The out-of-process adapter against real Python children: the example adapter and small scripts per case.
@Suite("Process adapter", .timeLimit(.minutes(1)))
struct ProcessAdapterTests {
    private func adapter(
        _ configuration: ProcessAdapterConfiguration,
        logs: LogCapture,
        events: PublishedEvents = PublishedEvents()
    ) -> ProcessAdapter {
        // As `dojo-agent run` does: the program ignores SIGPIPE, not the adapter (a write to a process that just
        // died must fail with EPIPE, not end the test runner).
        Syscall.ignoreBrokenPipeSignal()
        return ProcessAdapter(
            configuration: configuration,
            agentVersion: "9.9.9",
            logger: logs.logger(),
            publish: events.publisher
        )
    }

    private func get(_ adapter: ProcessAdapter, _ id: String) async throws -> Reservation {
        try await adapter.getReservation(
            GetReservationByIDRequest(reservationID: id),
            context: context(.getReservation)
        )
    }

    @Test func pythonExamplePassesTheConformanceSuite() async throws {
        let logs = LogCapture()
        let adapter = adapter(testConfiguration(["python3", pythonExample]), logs: logs)
        try await withRunning(adapter) {
            await awaitStatus(adapter) { $0.isReady }
            let report = await AdapterConformanceSuite(adapter: adapter).run()
            expectConformance(report)
            #expect(report.skipped.isEmpty, "\(report.skipped)")
            #expect(adapter.capabilities == Set(Capability.all))
            #expect(adapter.status.adapterName == "example-python-adapter")
            #expect(adapter.status.adapterVersion == "1.0.0")
            #expect(adapter.status.incarnation == 1, "the example never crashed or hung")
        }
        #expect(logs.records.contains { $0.message == "agent dojo-agent 9.9.9 connected" })
    }

    @Test func pythonExamplePublishesAnOrderUpdatedEventFromTheTill() async throws {
        let logs = LogCapture()
        let events = PublishedEvents()
        let adapter = adapter(
            testConfiguration(["python3", pythonExample, "--simulate-till", "0.05"]),
            logs: logs,
            events: events
        )
        try await withRunning(adapter) {
            let published = await events.next(1)
            #expect(published == [try PosEvent(type: .orderUpdated, entityID: "order-000001")])
            // The example logs the agent's acknowledgement, which comes only once the event is stored.
            await logs.first("OrderUpdated order-000001 stored by the agent")
            let order = try await adapter.getOrder(
                GetOrderByIDRequest(orderID: "order-000001"),
                context: context(.getOrder)
            )
            #expect((order.items?.count ?? 0) >= 2, "the till added a coffee")
        }
    }

    @Test func initializeDeclaresCapabilitiesAndStderrReachesTheLog() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                CAPABILITIES = ["CreateReservation", "GetReservationById", "NoSuchCapability", "UpdatePartyById"]
                def initialize_result(params):
                    log("hello from %s %s, protocol %s" % (params["agent"]["name"], params["agent"]["version"],
                                                           params["protocolVersion"]))
                    sys.stderr.write("a partial line")
                    sys.stderr.flush()
                    return {"protocolVersion": "1", "adapter": {"name": "Acme POS", "version": "4.2"},
                            "capabilities": CAPABILITIES}
                def on_eof():
                    pass
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(testConfiguration(command), logs: logs)
            try await withRunning(adapter) {
                let declared = await adapter.capabilityUpdates().first { _ in true }
                #expect(declared == [.createReservation, .getReservationByID, .updateParty])
                let status = await awaitStatus(adapter) { $0.isReady }
                #expect(status?.adapterName == "Acme POS")
                #expect(status?.adapterVersion == "4.2")
                let hello = await logs.first("hello from dojo-agent 9.9.9, protocol 1")
                #expect(hello.level == .info)
                #expect(hello.metadata["adapter.pid"] == status?.processID.map { "\($0)" })
                let unknown = await logs.first("adapter process declared an unknown capability; ignoring it")
                #expect(unknown.metadata["adapter.capability"] == "NoSuchCapability")

                let res = try await get(adapter, "res-42")
                #expect(res.id == "res-42")
                let refused = await failure {
                    _ = try await adapter.searchTables(SearchTablesRequest(), context: context(.searchTables))
                }
                #expect(
                    refused.map(wireError)
                        == DojoError(
                            errorType: .unexpectedError,
                            debugMessage: "SearchTablesV1 is not implemented by this POS"
                        )
                )
            }
            // The unterminated last stderr line still arrives, at exit.
            await logs.first("a partial line")
        }
    }

    @Test func processErrorsMapOntoDojoErrors() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                ERRORS = {
                    "not-found": {"code": -32004, "message": "no reservation nf",
                                  "data": {"errorType": "NotFound", "traceId": "t-1"}},
                    "invalid": {"code": -32602, "message": "table busy", "data": {"errorType": "InvalidRequest"}},
                    "conflict": {"code": -32000, "message": "table occupied", "data": {"errorType": "Conflict"}},
                    "unexpected": {"code": -32000, "message": "till offline", "data": {"errorType": "UnexpectedError"}},
                    "open-set": {"code": -32000, "message": "too many covers", "data": {"errorType": "TooManyCovers"}},
                    "method-not-found": {"code": -32601, "message": "method not found"},
                    "invalid-params": {"code": -32602, "message": "params.reservationId: bad"},
                    "internal": {"code": -32603, "message": "KeyError: 'secret' at db.py:12"},
                }
                def handle(method, params, message):
                    key = params["reservationId"]
                    if key == "bad-result":
                        return {"id": "res-1"}
                    return Error(ERRORS[key])
                """#,
                in: directory
            )
            let cases: [(String, DojoError, String?)] = [
                ("not-found", DojoError(errorType: .notFound, debugMessage: "no reservation nf", traceID: "t-1"), nil),
                ("invalid", DojoError(errorType: .invalidRequest, debugMessage: "table busy"), nil),
                ("conflict", DojoError(errorType: .conflict, debugMessage: "table occupied"), nil),
                ("unexpected", DojoError(errorType: .unexpectedError, debugMessage: "till offline"), nil),
                (
                    "open-set",
                    DojoError(errorType: DojoErrorType(rawValue: "TooManyCovers"), debugMessage: "too many covers"), nil
                ),
                (
                    "method-not-found",
                    DojoError(
                        errorType: .unexpectedError,
                        debugMessage: "GetReservationByIdV1 is not implemented by this POS"
                    ),
                    nil
                ),
                (
                    "invalid-params", DojoError(errorType: .invalidRequest, debugMessage: "params.reservationId: bad"),
                    nil
                ),
                (
                    "internal",
                    DojoError(errorType: .unexpectedError, debugMessage: DojoError.genericDebugMessage),
                    "GetReservationByIdV1 failed with code -32603: KeyError: 'secret' at db.py:12"
                ),
                (
                    "bad-result",
                    DojoError(errorType: .unexpectedError, debugMessage: DojoError.genericDebugMessage),
                    "GetReservationByIdV1 answered with an invalid result: result.name: required field is missing"
                ),
            ]
            let logs = LogCapture()
            let adapter = adapter(testConfiguration(command), logs: logs)
            try await withRunning(adapter) {
                for (key, expected, detail) in cases {
                    let error = await failure { _ = try await get(adapter, key) }
                    let mapped = try #require(error.map(DojoError.from), "\(key)")
                    #expect(mapped.wireError == expected, "\(key)")
                    if let detail {
                        #expect(mapped.localDetail?.contains(detail) == true, "\(key): \(mapped.localDetail ?? "nil")")
                    }
                }
                #expect(adapter.status.incarnation == 1, "errors are answers, not crashes")
            }
        }
    }

    @Test(arguments: [
        ("exit", "exit status 3"),
        ("kill", "killed by signal 9 (SIGKILL)"),
    ])
    func crashMidRequestFailsItAndTheRestartedProcessServesTheNext(mode: String, exit: String) async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def handle(method, params, message):
                    if method == "CreateReservationV1":
                        log("crashing on purpose")
                        if os.environ["CRASH_MODE"] == "exit":
                            os._exit(3)
                        os.kill(os.getpid(), signal.SIGKILL)
                    return dict(RESERVATION, id=params["reservationId"])
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(testConfiguration(command) { $0.environment = ["CRASH_MODE": mode] }, logs: logs)
            try await withRunning(adapter) {
                await awaitStatus(adapter) { $0.isReady }
                let error = await failure {
                    _ = try await adapter.createReservation(
                        CreateReservationRequest(
                            dojoReservationID: "d-1",
                            name: "Martin B.",
                            covers: 2,
                            startTime: time(0),
                            endTime: time(60),
                            tableIDs: ["table-1"]
                        ),
                        context: context(.createReservation)
                    )
                }
                let processError = try #require(error as? ProcessAdapterError)
                #expect(processError.code == .processExited)
                #expect(processError.message == "the adapter process ended (\(exit))")
                #expect(
                    error.map(wireError)
                        == DojoError(errorType: .unexpectedError, debugMessage: DojoError.genericDebugMessage)
                )
                let line = await logs.first("adapter request failed: the adapter process ended")
                #expect(line.metadata["rpc.method"] == "CreateReservationV1")
                #expect(line.metadata["adapter.exit"] == exit)
                await logs.first("crashing on purpose")

                let restarted = await awaitStatus(adapter) { $0.isReady && $0.incarnation == 2 }
                #expect(restarted?.lastExit == exit)
                let res = try await get(adapter, "res-7")
                #expect(res.id == "res-7")
            }
        }
    }

    @Test func aRestartedProcessDeclaringOtherCapabilitiesIsObservable() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                STARTS = os.environ["STARTS"]
                with open(STARTS, "a") as starts:
                    starts.write("x")
                FIRST = os.path.getsize(STARTS) == 1
                CAPABILITIES = ["CreateReservation"] if FIRST else ["CreateReservation", "GetReservationById"]
                def handle(method, params, message):
                    if method == "CreateReservationV1":
                        os._exit(1)  # the upgrade: the next start declares more
                    return dict(RESERVATION, id=params["reservationId"])
                """#,
                in: directory
            )
            let adapter = adapter(
                testConfiguration(command) { $0.environment = ["STARTS": directory + "/starts"] },
                logs: LogCapture()
            )
            try await withRunning(adapter) {
                var updates = adapter.capabilityUpdates().makeAsyncIterator()
                #expect(await updates.next() == [.createReservation])
                let refused = await failure { _ = try await get(adapter, "before-upgrade") }
                #expect(refused.map(wireError)?.debugMessage == "GetReservationByIdV1 is not implemented by this POS")
                _ = await failure {
                    _ = try await adapter.createReservation(
                        CreateReservationRequest(
                            dojoReservationID: "d",
                            name: "n",
                            covers: 1,
                            startTime: time(0),
                            endTime: time(1),
                            tableIDs: ["t"]
                        ),
                        context: context(.createReservation)
                    )
                }
                #expect(await updates.next() == [.createReservation, .getReservationByID])
                await awaitStatus(adapter) { $0.isReady && $0.incarnation == 2 }
                let upgraded = try await get(adapter, "after-upgrade")
                #expect(upgraded.id == "after-upgrade")
            }
        }
    }

    @Test func hungRequestTimesOutAndTheProcessIsKilledAndRestarted() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def handle(method, params, message):
                    if method == "GetReservationByIdV1" and params["reservationId"] == "stuck":
                        log("ignoring the request")
                        return NO_REPLY
                    return dict(RESERVATION, id=params["reservationId"])
                """#,
                in: directory
            )
            let logs = LogCapture()
            // Long enough that the warm-up request never trips it on a loaded machine.
            let adapter = adapter(testConfiguration(command) { $0.hangTimeout = .seconds(1) }, logs: logs)
            try await withRunning(adapter) {
                let warmUp = try await get(adapter, "warm-up")
                #expect(warmUp.id == "warm-up")
                let error = await failure { _ = try await get(adapter, "stuck") }
                let processError = try #require(error as? ProcessAdapterError)
                #expect(processError.code == .hung)
                #expect(
                    processError.message
                        == "GetReservationByIdV1 got no answer within 1s; restarting the adapter process"
                )
                #expect(error.map(wireError)?.errorType == .unexpectedError)
                let killed = await logs.first("adapter process hung: killing it")
                #expect(killed.metadata["rpc.method"] == "GetReservationByIdV1")

                let restarted = await awaitStatus(adapter) { $0.isReady && $0.incarnation == 2 }
                #expect(
                    restarted?.lastExit
                        == "killed by signal 9 (SIGKILL), killed after GetReservationByIdV1 got no answer within 1s"
                )
                let after = try await get(adapter, "after")
                #expect(after.id == "after")
            }
        }
    }

    @Test func aProcessThatClosesItsStdoutIsStoppedAndTheLogSaysWhy() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def after_initialize():
                    if not os.path.exists(os.environ["MARKER"]):
                        open(os.environ["MARKER"], "w").close()
                        log("closing stdout and staying alive")
                        os.close(1)
                        while True:
                            time.sleep(3600)
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(
                testConfiguration(command) { $0.environment = ["MARKER": directory + "/closed-once"] },
                logs: logs
            )
            try await withRunning(adapter) {
                await logs.first("closing stdout and staying alive")
                let restarted = await awaitStatus(adapter) { $0.isReady && $0.incarnation == 2 }
                let why = "closed its stdout while still running, so the agent stopped it"
                #expect(restarted?.lastExit == "killed by signal 15 (SIGTERM), \(why)")
                let ended = await logs.first("adapter process ended")
                #expect(ended.metadata["adapter.exit"] == "killed by signal 15 (SIGTERM), \(why)")
                let after = try await get(adapter, "after")
                #expect(after.id == "after")
            }
        }
    }

    @Test func unansweredHealthPingCountsAsAHang() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def handle(method, params, message):
                    if method == "ping":
                        return NO_REPLY
                    return dict(RESERVATION, id=params["reservationId"])
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(
                testConfiguration(command) {
                    $0.healthCheckInterval = .milliseconds(100)
                    $0.healthCheckTimeout = .milliseconds(200)
                },
                logs: logs
            )
            try await withRunning(adapter) {
                let killed = await logs.first("adapter process hung: killing it")
                #expect(killed.metadata["rpc.method"] == "ping")
                #expect(killed.metadata["adapter.timeout"] == "200ms")
                let restarted = await awaitStatus(adapter) { $0.incarnation >= 2 }
                #expect(restarted != nil)
            }
        }
    }

    @Test func publishedEventsAreAcknowledgedOnlyOnceStored() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                RESPONSES = []
                def after_initialize():
                    send({"id": "e1", "method": "agent/publishEvent",
                          "params": {"eventType": "PartyUpdated", "event": {"partyId": "party-7"}}})
                    send({"method": "agent/publishEvent",
                          "params": {"eventType": "ReservationUpdated", "event": {"reservationId": "res-9"}}})
                    send({"id": "e2", "method": "agent/publishEvent",
                          "params": {"eventType": "TableUpdated", "event": {"tableId": "t-1"}}})
                    send({"id": "e3", "method": "agent/unknown", "params": {}})
                    send({"id": "e4", "method": "agent/publishEvent",
                          "params": {"eventType": "OrderUpdated", "event": {"orderId": "fail-1"}}})
                def on_response(message):
                    RESPONSES.append(message)
                    log("response " + json.dumps(message, sort_keys=True))
                def handle(method, params, message):
                    acknowledged = sorted(str(response["id"]) for response in RESPONSES)
                    return dict(RESERVATION, id=params["reservationId"], hostNotes=",".join(acknowledged))
                """#,
                in: directory
            )
            let logs = LogCapture()
            let events = PublishedEvents()
            events.hold("party-7")
            let adapter = adapter(testConfiguration(command), logs: logs, events: events)
            try await withRunning(adapter) {
                #expect(await events.next(1) == [try PosEvent(type: .partyUpdated, entityID: "party-7")])
                // The publisher has not returned: the process must not have been told e1 is stored. Its answer to
                // this request lists the responses it had read before it (stdin is written in order).
                let probe = try await get(adapter, "probe")
                #expect(probe.hostNotes?.split(separator: ",").contains("e1") == false, "\(probe.hostNotes ?? "")")

                events.release("party-7")
                let stored = await logs.first { $0.message.hasPrefix("response ") && $0.message.contains("\"e1\"") }
                #expect(stored.message == #"response {"id": "e1", "jsonrpc": "2.0", "result": {}}"#)
                // Later events reach the publisher in the order sent, after the held one.
                #expect(
                    await events.next(2) == [
                        try PosEvent(type: .reservationUpdated, entityID: "res-9"),
                        try PosEvent(type: .orderUpdated, entityID: "fail-1"),
                    ]
                )
                let invalid = await logs.first { $0.message.contains("\"e2\"") }
                #expect(
                    invalid.message
                        == #"response {"error": {"code": -32602, "message": "params.eventType: unknown POS event type \"TableUpdated\"; expected one of OrderUpdated, PartyUpdated, ReservationUpdated"}, "id": "e2", "jsonrpc": "2.0"}"#
                )
                let unknown = await logs.first { $0.message.contains("\"e3\"") }
                #expect(
                    unknown.message
                        == #"response {"error": {"code": -32601, "message": "method not found: agent/unknown"}, "id": "e3", "jsonrpc": "2.0"}"#
                )
                let refused = await logs.first { $0.message.contains("\"e4\"") }
                #expect(
                    refused.message
                        == #"response {"error": {"code": -32000, "message": "the agent could not store the event: outbox full"}, "id": "e4", "jsonrpc": "2.0"}"#
                )
            }
        }
    }

    @Test func malformedOutputIsLoggedAndIgnored() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def after_initialize():
                    print("garbage, not json", flush=True)
                    print("[1, 2]", flush=True)
                    print(json.dumps({"jsonrpc": "2.0", "id": 999, "result": {}}), flush=True)
                    print(json.dumps({"jsonrpc": "2.0", "id": "x7", "method": 12}), flush=True)
                    print("x" * 5000, flush=True)
                def on_response(message):
                    log("response " + json.dumps(message, sort_keys=True))
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(testConfiguration(command) { $0.maximumLineLength = 1000 }, logs: logs)
            try await withRunning(adapter) {
                let notJSON = "adapter process wrote a line that is not JSON-RPC; ignoring it"
                let reasons = [
                    "not valid JSON: unexpected character at offset 0",
                    "expected a JSON object, got an array",
                    "method: expected a non-empty string",
                ]
                for reason in reasons {
                    let record = await logs.first {
                        $0.message == notJSON && $0.metadata["adapter.reason"] == reason
                    }
                    #expect(record.level == .warning)
                }
                let stray = await logs.first("adapter process answered a request nobody waits for; ignoring the answer")
                #expect(stray.level == .warning)
                #expect(stray.metadata["adapter.request_id"] == "999")
                let long = await logs.first("adapter process wrote an over-long line; dropped")
                #expect(long.metadata["adapter.line_bytes"] == "5000")
                // The process is told its request was malformed.
                let answer = await logs.first { $0.message.contains("\"x7\"") }
                #expect(
                    answer.message
                        == #"response {"error": {"code": -32600, "message": "method: expected a non-empty string"}, "id": "x7", "jsonrpc": "2.0"}"#
                )
                let stillFine = try await get(adapter, "still-fine")
                #expect(stillFine.id == "still-fine")
                #expect(adapter.status.incarnation == 1)
            }
        }
    }

    @Test(arguments: [false, true])
    func gracefulShutdownSaysShutdownThenClosesStdin(ignoresEndOfInput: Bool) async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def handle(method, params, message):
                    if method == "shutdown":
                        log("shutdown received")
                        return {}
                    return dict(RESERVATION, id=params["reservationId"])
                def on_eof():
                    log("stdin closed")
                    if os.environ.get("STUBBORN"):
                        time.sleep(60)
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(
                testConfiguration(command) {
                    // A process that exits on end of input gets all the time it needs on a loaded machine.
                    $0.shutdownTimeout = ignoresEndOfInput ? .milliseconds(500) : .seconds(10)
                    if ignoresEndOfInput { $0.environment = ["STUBBORN": "1"] }
                },
                logs: logs
            )
            try await withRunning(adapter) {
                let one = try await get(adapter, "one")
                #expect(one.id == "one")
            }
            #expect(logs.records.contains { $0.message == "shutdown received" })
            #expect(logs.records.contains { $0.message == "stdin closed" })
            #expect(adapter.status.state == .stopped)
            if ignoresEndOfInput {
                #expect(
                    adapter.status.lastExit == "killed by signal 15 (SIGTERM), did not exit within the shutdown timeout"
                )
            } else {
                #expect(adapter.status.lastExit == "exit status 0")
                #expect(logs.records.contains { $0.message == "adapter process stopped" })
            }
            let afterStop = await failure { _ = try await get(adapter, "late") }
            #expect((afterStop as? ProcessAdapterError)?.code == .shuttingDown)
        }
    }

    @Test func requestsWaitForInitialize() async throws {
        try await withTemporaryDirectory { directory in
            let gate = directory + "/go"
            let command = try ScriptedAdapter.command(
                #"""
                def initialize_result(params):
                    while not os.path.exists(os.environ["GATE"]):
                        time.sleep(0.01)
                    return {"protocolVersion": "1", "adapter": {"name": "slow"}, "capabilities": CAPABILITIES}
                """#,
                in: directory
            )
            let adapter = adapter(testConfiguration(command) { $0.environment = ["GATE": gate] }, logs: LogCapture())
            try await withRunning(adapter) {
                await awaitStatus(adapter) { $0.state == .starting && $0.processID != nil }
                async let waiting = get(adapter, "waiting")
                #expect(!adapter.status.isReady)
                #expect(FileManager.default.createFile(atPath: gate, contents: nil))
                let waited = try await waiting
                #expect(waited.id == "waiting")
                #expect(adapter.status.incarnation == 1)
            }
        }
    }

    @Test func requestsFailWhenNoProcessIsReadyInTime() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def initialize_result(params):
                    time.sleep(60)
                """#,
                in: directory
            )
            let adapter = adapter(
                testConfiguration(command) { $0.readyTimeout = .milliseconds(200) },
                logs: LogCapture()
            )
            try await withRunning(adapter) {
                await awaitStatus(adapter) { $0.state == .starting && $0.processID != nil }
                let early = await failure { _ = try await get(adapter, "early") }
                let notReady = try #require(early as? ProcessAdapterError)
                #expect(notReady.code == .notReady)
                #expect(notReady.message.hasPrefix("no initialised adapter process within 200ms (starting process #1"))
                #expect(early.map(wireError)?.errorType == .unexpectedError)
            }
        }
    }

    @Test func refusedInitializeRestartsTheProcess() async throws {
        try await withTemporaryDirectory { directory in
            let command = try ScriptedAdapter.command(
                #"""
                def initialize_result(params):
                    return {"protocolVersion": "2", "capabilities": CAPABILITIES}
                """#,
                in: directory
            )
            let logs = LogCapture()
            let adapter = adapter(testConfiguration(command), logs: logs)
            try await withRunning(adapter) {
                let refused = await logs.first("adapter process refused or failed initialize")
                #expect(
                    refused.metadata["adapter.reason"]
                        == "protocol version 2 is not supported (this agent speaks 1)"
                )
                let again = await awaitStatus(adapter) { $0.incarnation >= 2 }
                #expect(again?.isReady == false)
                #expect(adapter.capabilities.isEmpty)
            }
        }
    }

    @Test func aCommandThatCannotStartIsRetried() async throws {
        let logs = LogCapture()
        let adapter = adapter(testConfiguration(["/nonexistent/pos-adapter", "--flag"]), logs: logs)
        try await withRunning(adapter) {
            let failed = await logs.first("could not start the adapter process")
            #expect(failed.level == .error)
            await awaitStatus(adapter) { $0.incarnation >= 2 }
            #expect(adapter.status.lastExit?.hasPrefix("could not start: ") == true)
        }
    }
}
