import DojoAgentCore
import DojoProtocol
import DojoSimulator
import Foundation
import Testing

/// The session and dispatcher through the real transport, against a real peer playing Dojo.
@Suite(.timeLimit(.minutes(1)))
struct SessionTests {
    @Test func handshakeCarriesDojosHeaders() async throws {
        try await withAgent(adapter: TestAdapter()) { _, dojo in
            #expect(dojo.handshake.path == "/epos")
            #expect(dojo.handshake.header("Authorization") == "Basic sk_sandbox_test")
            #expect(dojo.handshake.header("software-house-id") == "acme-epos")
            #expect(dojo.handshake.header("reseller-id") == nil)
        }
    }

    @Test func answersARequestEchoingIdAndMethod() async throws {
        try await withAgent(adapter: TestAdapter()) { _, dojo in
            let response = try await dojo.call(id: "r1", method: "SearchTablesV1")
            #expect(response.id?.text == "r1")
            #expect(response.method == "SearchTablesV1")
            #expect(response.result?.objectValue?["data"]?.arrayValue?.count == 1)
        }
    }

    @Test func requestsAreServedOnTheConnectionsOwnThread() async throws {
        let adapter = TestAdapter()
        try await withAgent(adapter: adapter) { _, dojo in
            for index in 0..<8 {
                _ = try await dojo.call(id: "t\(index)", method: "SearchTablesV1")
            }
            _ = try await dojo.call(id: "c1", method: "CreateReservationV1", params: reservationParams)
        }
        // No hand-off to the global pool between the frame's arrival and the adapter call (issue 11): the
        // connection's libwebsockets thread runs the request (its name is set by `LWSServiceThread`).
        #expect(adapter.threadNames.count == 9)
        #expect(adapter.threadNames.allSatisfy { $0 == "lws-ws" }, "\(adapter.threadNames)")
    }

    @Test func updateNeverOvertakesItsCreate() async throws {
        let adapter = TestAdapter()
        adapter.hold("create-reservation")
        try await withAgent(adapter: adapter) { _, dojo in
            try await dojo.send(text: frame(id: "c1", method: "CreateReservationV1", params: reservationParams))
            #expect(await adapter.started.next() == "create-reservation dojo-res-1")
            // Same Dojo id: must wait for the create. Unrelated request: runs now, while the create is held.
            try await dojo.send(
                text: frame(
                    id: "u1",
                    method: "UpdateReservationV1",
                    params: reservationParams.replacingOccurrences(
                        of: "{\"dojoRes",
                        with: "{\"id\":\"res-1\",\"dojoRes"
                    )
                )
            )
            try await dojo.send(text: frame(id: "s1", method: "SearchTablesV1"))
            #expect(await adapter.started.next() == "search-tables")
            #expect(try await dojo.response().id?.text == "s1")
            adapter.release("create-reservation")
            let rest = try await dojo.responses(2)
            #expect(rest["c1"]?.result?.objectValue?["id"] == .string("res-1"))
            #expect(rest["u1"]?.result?.objectValue?["id"] == .string("res-1"), "the update ran after the create")
            #expect(adapter.calls == ["create-reservation dojo-res-1", "search-tables", "update-reservation res-1"])
        }
    }

    @Test func repeatedCreateReturnsTheSameEntityEvenAfterARestart() async throws {
        let adapter = TestAdapter()
        let state = try temporaryDirectory()
        try await withAgent(adapter: adapter, stateDirectory: state) { _, dojo in
            let first = try await dojo.call(id: "c1", method: "CreateReservationV1", params: reservationParams)
            let second = try await dojo.call(id: "c2", method: "CreateReservationV1", params: reservationParams)
            #expect(first.result?.objectValue?["id"] == .string("res-1"))
            #expect(second.result == first.result)
        }
        try await withAgent(adapter: adapter, stateDirectory: state) { _, dojo in
            let third = try await dojo.call(id: "c3", method: "CreateReservationV1", params: reservationParams)
            #expect(third.result?.objectValue?["id"] == .string("res-1"))
        }
        #expect(adapter.calls.filter { $0.hasPrefix("create-reservation") }.count == 1)
    }

    @Test func repeatedRequestIdIsAnsweredFromTheStoredResponse() async throws {
        let adapter = TestAdapter()
        try await withAgent(adapter: adapter) { _, dojo in
            let first = try await dojo.call(id: "same", method: "SearchTablesV1")
            let again = try await dojo.call(id: "same", method: "SearchTablesV1")
            #expect(again == first)
        }
        #expect(adapter.calls == ["search-tables"])
    }

    @Test func duplicateIdWhileTheFirstIsRunningGetsTheSameAnswerOnce() async throws {
        let adapter = TestAdapter()
        adapter.hold("search-tables")
        try await withAgent(adapter: adapter) { _, dojo in
            try await dojo.send(text: frame(id: "dup", method: "SearchTablesV1"))
            #expect(await adapter.started.next() == "search-tables")
            try await dojo.send(text: frame(id: "dup", method: "SearchTablesV1"))
            adapter.release("search-tables")
            let first = try await dojo.response()
            let second = try await dojo.response()
            #expect(first == second)
            #expect(first.id?.text == "dup")
        }
        #expect(adapter.calls == ["search-tables"])
    }

    @Test func slowAdapterIsAnsweredWithUnexpectedErrorAtTheDeadline() async throws {
        let adapter = TestAdapter()
        adapter.hang("search-tables")
        // Short enough to wait out, long enough that the prompt call below never meets it on a loaded machine.
        let deadline = Duration.seconds(2)
        let shortDeadline: (inout AgentConfiguration) -> Void = { $0.session.requestTimeout = deadline }
        try await withAgent(adapter: adapter, configure: shortDeadline) { _, dojo in
            let response = try await dojo.call(id: "slow", method: "SearchTablesV1")
            #expect(response.error?.errorType == .unexpectedError)
            #expect(response.error?.debugMessage == "the POS did not answer within \(deadline)")
            // The session is still serving other entities.
            let other = try await dojo.call(
                id: "next",
                method: "GetReservationByIdV1",
                params: "{\"reservationId\":\"x\",\"headers\":{}}"
            )
            #expect(other.error?.errorType == .notFound)
        }
    }

    @Test func badInputGetsAPreciseErrorAndTheSessionStaysUp() async throws {
        try await withAgent(adapter: TestAdapter()) { _, dojo in
            let unknown = try await dojo.call(id: "m1", method: "CancelReservationV1")
            #expect(unknown.error?.errorType == .invalidRequest)
            #expect(unknown.error?.debugMessage?.contains("CancelReservationV1") == true)

            let invalid = try await dojo.call(
                id: "m2",
                method: "CreateReservationV1",
                params: reservationParams.replacingOccurrences(of: "[\"t1\"]", with: "[]")
            )
            #expect(
                invalid.error
                    == DojoError(
                        errorType: .invalidRequest,
                        debugMessage: "params.tableIds: must contain at least one table id"
                    )
            )

            try await dojo.send(text: "{\"jsonrpc\":\"2.0\",\"id\":\"m3\",\"method\":42}")
            let badEnvelope = try await dojo.response()
            #expect(badEnvelope.id?.text == "m3")
            #expect(badEnvelope.error?.errorType == .invalidRequest)

            try await dojo.send(text: "this is not json {")
            try await dojo.send(text: "{\"jsonrpc\":\"2.0\",\"method\":\"SearchTablesV1\"}")
            let after = try await dojo.call(id: "m4", method: "SearchTablesV1")
            #expect(after.id?.text == "m4", "unanswerable frames were logged and skipped; the session is up")
        }
    }

    @Test func vendorErrorDetailsNeverReachDojo() async throws {
        try await withAgent(adapter: TestAdapter()) { _, dojo in
            let response = try await dojo.call(id: "a1", method: "ListAreasV1")
            #expect(response.error?.errorType == .unexpectedError)
            #expect(response.error?.debugMessage?.contains("VendorSecret") == false)
        }
    }

    @Test func dojoEventsAreHandledOncePerEventId() async throws {
        let adapter = TestAdapter()
        let event = """
            {"id":"evt_1","accountId":"acc","event":"payment_intent.created","createdAt":"2024-08-12T10:45:12.000Z",
             "data":{"paymentIntentId":"pi_1","paymentStatus":"Created","captureMode":"Auto"},"headers":{}}
            """
        try await withAgent(adapter: adapter) { _, dojo in
            let first = try await dojo.call(id: "e1", method: "HandleEventV1", params: event)
            let repeated = try await dojo.call(id: "e2", method: "HandleEventV1", params: event)
            #expect(first.result == .object([:]))
            #expect(repeated.result == .object([:]))
        }
        #expect(adapter.calls == ["handle-event evt_1"])
    }

    @Test func reconnectsAfterTheConnectionDrops() async throws {
        try await withAgent(adapter: TestAdapter()) { peer, dojo in
            await dojo.drop()
            let second = try #require(await peer.nextConnection())
            let response = try await second.call(id: "after-drop", method: "SearchTablesV1")
            #expect(response.id?.text == "after-drop")
        }
    }
}
