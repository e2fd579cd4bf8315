/// `SearchTablesV1`: lists tables, optionally in one area or served by one waiter, one page at a time.
public struct SearchTablesRequest: DojoMethodRequest {
    /// `SearchTablesV1`.
    public static let method = DojoMethod.searchTables

    /// Only tables in this area.
    public var areaID: String?
    /// Only tables this waiter serves.
    public var waiterID: String?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(
        areaID: String? = nil,
        waiterID: String? = nil,
        cursor: Cursor? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.areaID = areaID
        self.waiterID = waiterID
        self.cursor = cursor
        self.headers = headers
    }

    /// None.
    public var entityKeys: [EntityKey] { [] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            areaID: try object.optionalID("areaId"),
            waiterID: try object.optionalID("waiterId"),
            cursor: try object.optional("cursor", as: Cursor.self),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("areaId", areaID)
        object.set("waiterId", waiterID)
        object.set("cursor", cursor)
        object.set("headers", headers)
        return object.value
    }
}

/// `ListAreasV1`: lists every area. Its `params` are optional in the spec; absent params decode as empty.
public struct ListAreasRequest: DojoMethodRequest {
    /// `ListAreasV1`.
    public static let method = DojoMethod.listAreas

    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(headers: RequestHeaders = RequestHeaders()) {
        self.headers = headers
    }

    /// None.
    public var entityKeys: [EntityKey] { [] }

    /// Decodes the params; `null` (absent) params are accepted.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        if json.isNull {
            self.init()
            return
        }
        let object = try JSONObjectReader(json, path: path)
        self.init(headers: try object.headers())
    }

    /// The params object.
    public var jsonValue: JSONValue { .object(["headers": headers.jsonValue]) }
}

/// `GetOrderByIdV1`: Dojo fetches the latest state of an order (typically after an `OrderUpdated` POS event).
public struct GetOrderByIDRequest: DojoMethodRequest {
    /// `GetOrderByIdV1`.
    public static let method = DojoMethod.getOrder

    /// The POS's id of the order.
    public var orderID: String
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(orderID: String, headers: RequestHeaders = RequestHeaders()) {
        self.orderID = orderID
        self.headers = headers
    }

    /// The order id.
    public var entityKeys: [EntityKey] { [.order(orderID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(orderID: try object.requiredID("orderId"), headers: try object.headers())
    }

    /// The params object.
    public var jsonValue: JSONValue {
        .object(["orderId": .string(orderID), "headers": headers.jsonValue])
    }
}

/// `SearchOrdersV1`: lists orders, optionally filtered by dine-in details and payability, one page at a time.
public struct SearchOrdersRequest: DojoMethodRequest {
    /// `SearchOrdersV1`.
    public static let method = DojoMethod.searchOrders

    /// Only dine-in orders matching every given member.
    public var dineIn: DineInFilter?
    /// Only orders with `payable: true`.
    public var payableOnly: Bool?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(
        dineIn: DineInFilter? = nil,
        payableOnly: Bool? = nil,
        cursor: Cursor? = nil,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.dineIn = dineIn
        self.payableOnly = payableOnly
        self.cursor = cursor
        self.headers = headers
    }

    /// None.
    public var entityKeys: [EntityKey] { [] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            dineIn: try object.optional("dineIn", as: DineInFilter.self),
            payableOnly: try object.optionalBool("payableOnly"),
            cursor: try object.optional("cursor", as: Cursor.self),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("dineIn", dineIn)
        object.set("payableOnly", payableOnly)
        object.set("cursor", cursor)
        object.set("headers", headers)
        return object.value
    }
}

/// The dine-in filter of `SearchOrdersV1` (the spec's `SearchDineInDetails`).
public struct DineInFilter: Hashable, Sendable {
    /// Only orders at this table.
    public var tableID: String?
    /// Only orders of this waiter.
    public var waiterID: String?
    /// Only orders of this party.
    public var partyID: String?
    /// Only orders of this reservation.
    public var reservationID: String?

    /// Creates a filter.
    public init(tableID: String? = nil, waiterID: String? = nil, partyID: String? = nil, reservationID: String? = nil) {
        self.tableID = tableID
        self.waiterID = waiterID
        self.partyID = partyID
        self.reservationID = reservationID
    }
}

extension DineInFilter: JSONRepresentable {
    /// Decodes the filter.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            tableID: try object.optionalID("tableId"),
            waiterID: try object.optionalID("waiterId"),
            partyID: try object.optionalID("partyId"),
            reservationID: try object.optionalID("reservationId")
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("tableId", tableID)
        object.set("waiterId", waiterID)
        object.set("partyId", partyID)
        object.set("reservationId", reservationID)
        return object.value
    }
}
