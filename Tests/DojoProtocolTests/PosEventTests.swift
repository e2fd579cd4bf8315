import DojoProtocol
import Testing

@Suite struct PosEventTests {
    @Test(arguments: [
        (PosEventType.orderUpdated, #"{"eventType":"OrderUpdated","event":{"orderId":"o-1"}}"#),
        (.partyUpdated, #"{"eventType":"PartyUpdated","event":{"partyId":"o-1"}}"#),
        (.reservationUpdated, #"{"eventType":"ReservationUpdated","event":{"reservationId":"o-1"}}"#),
    ])
    func bodyHasTheDocumentedShapeAndOrder(_ type: PosEventType, _ body: String) throws {
        #expect(try PosEvent(type: type, entityID: "o-1").body == body)
    }

    @Test func idIsEscapedInTheBody() throws {
        let event = try PosEvent(type: .partyUpdated, entityID: #"p"1\é"#)
        #expect(event.body == #"{"eventType":"PartyUpdated","event":{"partyId":"p\"1\\é"}}"#)
    }

    @Test(arguments: [
        ("", "entity id must not be empty"),
        (String(repeating: "a", count: 257), "entity id is 257 bytes long; the maximum is 256"),
        (String(repeating: "é", count: 129), "entity id is 258 bytes long; the maximum is 256"),
        ("party\n1", "entity id contains a control character (U+000A) at position 5"),
        ("\u{7F}x", "entity id contains a control character (U+007F) at position 0"),
        ("ab\u{85}", "entity id contains a control character (U+0085) at position 2"),
    ])
    func invalidIDsAreRefused(_ id: String, _ message: String) {
        let error = #expect(throws: DojoProtocolError.self) { try PosEvent(type: .orderUpdated, entityID: id) }
        #expect(error?.message == message)
        #expect(error?.code == .invalidValue)
    }

    @Test func idOfExactly256BytesIsAccepted() {
        #expect(throws: Never.self) { try PosEvent(type: .orderUpdated, entityID: String(repeating: "a", count: 256)) }
    }

    @Test func unknownTypeNameListsTheValidOnes() throws {
        let error = #expect(throws: DojoProtocolError.self) { try PosEvent(typeName: "TableUpdated", entityID: "t-1") }
        #expect(
            error?.message
                == #"unknown POS event type "TableUpdated"; expected one of OrderUpdated, PartyUpdated, ReservationUpdated"#
        )
        #expect(try PosEvent(typeName: "PartyUpdated", entityID: "p-1").type == .partyUpdated)
    }

    @Test func decodingABodyValidatesLikeTheInitializer() {
        let error = #expect(throws: DojoProtocolError.self) {
            try PosEvent(json: ["eventType": "PartyUpdated", "event": ["orderId": "o-1"]])
        }
        #expect(error?.message == "event.partyId: required field is missing")
        let empty = #expect(throws: DojoProtocolError.self) {
            try PosEvent(json: ["eventType": "PartyUpdated", "event": ["partyId": ""]])
        }
        #expect(empty?.message == "event.partyId: entity id must not be empty")
    }
}

@Suite struct CapabilityTests {
    @Test func everyMethodMapsToItsRegistrationNames() {
        let expected: [DojoMethod: [String]] = [
            .createReservation: ["CreateReservation"], .getReservation: ["GetReservationById"],
            .updateReservation: ["UpdateReservation"], .deleteReservation: ["DeleteReservationById"],
            .searchReservations: ["SearchReservations"], .createParty: ["CreateParty"],
            .getParty: ["GetPartyById"], .updateParty: ["UpdateParty"], .deleteParty: ["DeletePartyById"],
            .searchParties: ["SearchParties"], .searchTables: ["SearchTables"], .listAreas: ["ListAreas"],
            .getOrder: ["GetOrderById"], .searchOrders: ["SearchOrders"],
            .handleEvent: ["HandleEvent:payment_intent.created", "HandleEvent:payment_intent.status_updated"],
        ]
        for method in DojoMethod.allCases {
            #expect(method.capabilities.map(\.name) == expected[method], "\(method)")
            #expect(method.capabilities.allSatisfy { $0.version == "v1" })
        }
    }

    @Test func wireNameIsTheCapabilityNamePlusV1ExceptForEvents() {
        for capability in Capability.all where capability.method != .handleEvent {
            #expect(capability.method.wireName == capability.name + "V1")
        }
    }

    @Test func legacyNamesResolveToCurrentCapabilities() {
        #expect(Capability(name: "UpdateReservationById") == .updateReservation)
        #expect(Capability(name: "UpdatePartyById") == .updateParty)
        #expect(Capability(name: "GetOrderById") == .getOrderByID)
        #expect(Capability(name: "RecordOrderPaymentById") == nil)
    }

    @Test func registrationOrderIsStableAndDeduplicated() {
        let registration = CapabilityRegistration([.handlePaymentIntentCreated, .listAreas, .createParty, .listAreas])
        #expect(
            registration.body
                == #"{"capabilities":[{"name":"CreateParty","version":"v1"},{"name":"ListAreas","version":"v1"},"#
                + #"{"name":"HandleEvent:payment_intent.created","version":"v1"}]}"#
        )
        #expect(CapabilityRegistration([]).body == #"{"capabilities":[]}"#)
    }

    @Test func registrationDecodingRefusesUnknownNamesAndVersions() {
        let unknown = #expect(throws: DojoProtocolError.self) {
            try CapabilityRegistration(json: ["capabilities": [["name": "MakeCoffee", "version": "v1"]]])
        }
        #expect(unknown?.message == #"capabilities[0].name: unknown capability "MakeCoffee""#)
        let version = #expect(throws: DojoProtocolError.self) {
            try CapabilityRegistration(json: ["capabilities": [["name": "ListAreas", "version": "1.0.0"]]])
        }
        #expect(version?.message == #"capabilities[0].version: expected "v1", got "1.0.0""#)
    }
}

@Suite struct EntityKeyTests {
    static let start = Timestamp(millisecondsSince1970: 0)

    @Test func updateSharesAKeyWithItsCreateAndWithLaterDeletes() {
        let create = DojoRequest.createReservation(
            CreateReservationRequest(
                dojoReservationID: "dr-1",
                name: "A",
                covers: 2,
                startTime: Self.start,
                endTime: Self.start,
                tableIDs: ["t1"]
            )
        )
        let update = DojoRequest.updateReservation(
            UpdateReservationRequest(
                id: "r-1",
                dojoReservationID: "dr-1",
                name: "A",
                covers: 3,
                startTime: Self.start,
                endTime: Self.start,
                tableIDs: ["t1"]
            )
        )
        let delete = DojoRequest.deleteReservation(DeleteReservationByIDRequest(reservationID: "r-1"))
        #expect(create.entityKeys == [.dojoReservation("dr-1")])
        #expect(update.entityKeys == [.reservation("r-1"), .dojoReservation("dr-1")])
        #expect(delete.entityKeys == [.reservation("r-1")])
        #expect(!Set(create.entityKeys).isDisjoint(with: update.entityKeys))
        #expect(!Set(update.entityKeys).isDisjoint(with: delete.entityKeys))
    }

    @Test func seatingCarriesTheReservationKeys() {
        let walkIn = CreatePartyRequest(dojoPartyID: "dp-1", startTime: Self.start, tableIDs: ["t1"])
        #expect(DojoRequest.createParty(walkIn).entityKeys == [.dojoParty("dp-1")])
        var seated = walkIn
        seated.reservationID = "r-1"
        seated.dojoReservationID = "dr-1"
        #expect(
            DojoRequest.createParty(seated).entityKeys == [
                .dojoParty("dp-1"), .reservation("r-1"), .dojoReservation("dr-1"),
            ]
        )
        let update = UpdatePartyRequest(
            id: "p-1",
            dojoPartyID: "dp-1",
            startTime: Self.start,
            status: "Seated",
            tableIDs: ["t1"]
        )
        #expect(DojoRequest.updateParty(update).entityKeys == [.party("p-1"), .dojoParty("dp-1")])
        #expect(DojoRequest.getParty(GetPartyByIDRequest(partyID: "p-1")).entityKeys == [.party("p-1")])
        #expect(DojoRequest.deleteParty(DeletePartyByIDRequest(partyID: "p-1")).entityKeys == [.party("p-1")])
    }

    @Test func searchesHaveNoKeyAndOrdersAndEventsHaveTheirs() {
        #expect(DojoRequest.searchReservations(SearchReservationsRequest()).entityKeys.isEmpty)
        #expect(DojoRequest.searchParties(SearchPartiesRequest()).entityKeys.isEmpty)
        #expect(DojoRequest.searchTables(SearchTablesRequest()).entityKeys.isEmpty)
        #expect(DojoRequest.listAreas(ListAreasRequest()).entityKeys.isEmpty)
        #expect(DojoRequest.searchOrders(SearchOrdersRequest()).entityKeys.isEmpty)
        #expect(DojoRequest.getOrder(GetOrderByIDRequest(orderID: "o-1")).entityKeys == [.order("o-1")])
        let event = HandleEventRequest(
            id: "e-1",
            accountID: "acc",
            event: .paymentIntentCreated,
            data: PaymentIntentEventData(paymentIntentID: "pi_1", paymentStatus: .created, captureMode: .auto),
            createdAt: Self.start
        )
        #expect(DojoRequest.handleEvent(event).entityKeys == [.paymentIntent("pi_1")])
        #expect(EntityKey.dojoParty("dp-1").description == "dojoParty:dp-1")
    }
}
