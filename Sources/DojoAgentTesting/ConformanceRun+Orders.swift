import DojoAdapter
import DojoProtocol

extension ConformanceRun {
    /// Orders are the POS's own: the suite reads what is there and checks fetches and filters agree.
    func orderChecks() async {
        var orders: [Order] = []

        await check("SearchOrdersV1 pages through orders exactly once", requires: [.searchOrders]) {
            let (all, pages) = try await collectPages(limit: 2, maxPages: 50, "SearchOrdersV1") { cursor in
                try await adapter.searchOrders(SearchOrdersRequest(cursor: cursor), context: context(.searchOrders))
            }
            orders = all
            let ids = all.compactMap(\.id)
            try expectEqual(ids.count, all.count, "orders with an id (Dojo fetches orders by id)")
            try expectEqual(Set(ids).count, ids.count, "distinct order ids over \(pages.count) pages of 2")
        }

        await check("GetOrderByIdV1 returns the orders SearchOrdersV1 lists", requires: [.getOrderByID]) {
            if !adapter.capabilities.contains(.searchOrders) {
                throw CheckSkipped(reason: "adapter does not declare SearchOrders, so no order id is known")
            }
            let sample = orders.prefix(5).filter { $0.id != nil }
            guard !sample.isEmpty else { throw CheckSkipped(reason: "the POS has no orders") }
            for order in sample {
                let fetched = try await adapter.getOrder(
                    GetOrderByIDRequest(orderID: order.id ?? ""),
                    context: context(.getOrder)
                )
                try expectEqual(fetched, order, "order \(order.id ?? "") fetched by id")
            }
        }

        await check("GetOrderByIdV1 of an unknown id answers NotFound", requires: [.getOrderByID]) {
            try await expectError(.notFound, "GetOrderByIdV1 of an unknown id") {
                _ = try await adapter.getOrder(
                    GetOrderByIDRequest(orderID: unknownID("order")),
                    context: context(.getOrder)
                )
            }
        }

        await check("SearchOrdersV1 dineIn filters keep only matching orders", requires: [.searchOrders]) {
            let dineIn = orders.compactMap { order in order.details.dineIn.map { (order, $0) } }
            guard !dineIn.isEmpty else { throw CheckSkipped(reason: "the POS has no dine-in orders") }
            var checked = 0
            if let (sample, details) = dineIn.first(where: { $0.1.tableID != nil }), let tableID = details.tableID {
                let found = try await filtered(DineInFilter(tableID: tableID))
                try expect(found.allSatisfy { $0.details.dineIn?.tableID == tableID }, "an order at another table")
                try expect(found.contains { $0.id == sample.id }, "order \(sample.id ?? "") at \(tableID) is missing")
                checked += 1
            }
            if let (sample, details) = dineIn.first(where: { $0.1.partyID != nil }), let partyID = details.partyID {
                let found = try await filtered(DineInFilter(partyID: partyID))
                try expect(found.allSatisfy { $0.details.dineIn?.partyID == partyID }, "an order of another party")
                try expect(found.contains { $0.id == sample.id }, "order \(sample.id ?? "") of \(partyID) is missing")
                checked += 1
            }
            if let (sample, details) = dineIn.first(where: { $0.1.waiterID != nil }), let waiterID = details.waiterID {
                let found = try await filtered(DineInFilter(waiterID: waiterID))
                try expect(found.allSatisfy { $0.details.dineIn?.waiterID == waiterID }, "an order of another waiter")
                try expect(found.contains { $0.id == sample.id }, "order \(sample.id ?? "") of \(waiterID) is missing")
                checked += 1
            }
            if checked == 0 { throw CheckSkipped(reason: "no dine-in order names a table, party or waiter") }
        }

        await check("SearchOrdersV1 payableOnly keeps only payable orders", requires: [.searchOrders]) {
            let (found, _) = try await collectPages(limit: 100, maxPages: 20, "SearchOrdersV1 payableOnly") { cursor in
                try await adapter.searchOrders(
                    SearchOrdersRequest(payableOnly: true, cursor: cursor),
                    context: context(.searchOrders)
                )
            }
            try expect(found.allSatisfy { $0.payable == true }, "an order that is not payable came back")
            for order in orders where order.payable == true {
                try expect(found.contains { $0.id == order.id }, "payable order \(order.id ?? "") is missing")
            }
        }

        await check("SearchOrdersV1 refuses a malformed cursor with InvalidRequest", requires: [.searchOrders]) {
            try await expectError(.invalidRequest, "SearchOrdersV1 with a cursor the POS never issued") {
                _ = try await adapter.searchOrders(
                    SearchOrdersRequest(cursor: Cursor(limit: 2, after: "not-a-cursor-\(options.runID)")),
                    context: context(.searchOrders)
                )
            }
        }
    }

    private func filtered(_ filter: DineInFilter) async throws -> [Order] {
        try await collectPages(limit: 100, maxPages: 20, "SearchOrdersV1 dineIn") { cursor in
            try await adapter.searchOrders(
                SearchOrdersRequest(dineIn: filter, cursor: cursor),
                context: context(.searchOrders)
            )
        }.items
    }

    /// Each declared Dojo event type is accepted, and accepted again when Dojo redelivers it.
    func eventChecks() async {
        let events: [(Capability, DojoEventType, PaymentIntentStatus)] = [
            (.handlePaymentIntentCreated, .paymentIntentCreated, .created),
            (.handlePaymentIntentStatusUpdated, .paymentIntentStatusUpdated, .captured),
        ]
        for (capability, type, status) in events {
            await check("HandleEventV1 accepts \(type.rawValue), and its redelivery", requires: [capability]) {
                let event = HandleEventRequest(
                    id: "evt_conformance_\(options.runID)_\(type.rawValue)",
                    accountID: "acc_conformance",
                    event: type,
                    data: PaymentIntentEventData(
                        paymentIntentID: "pi_sandbox_conformance_\(options.runID)",
                        paymentStatus: status,
                        captureMode: .auto
                    ),
                    createdAt: time(45)
                )
                try await adapter.handleEvent(event, context: context(.handleEvent))
                try await adapter.handleEvent(event, context: context(.handleEvent))
            }
        }
    }

    /// Deletes what the run created (best effort: clean-up failures are not the adapter's conformance).
    func cleanUp() async {
        if adapter.capabilities.contains(.deletePartyByID) {
            for id in createdParties {
                try? await adapter.deleteParty(DeletePartyByIDRequest(partyID: id), context: context(.deleteParty))
            }
        }
        if adapter.capabilities.contains(.deleteReservationByID) {
            for id in createdReservations {
                try? await adapter.deleteReservation(
                    DeleteReservationByIDRequest(reservationID: id),
                    context: context(.deleteReservation)
                )
            }
        }
        createdParties = []
        createdReservations = []
    }
}
