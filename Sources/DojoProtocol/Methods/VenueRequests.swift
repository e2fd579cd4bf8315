/// `SearchTablesV1`: lists tables, optionally in one area or served by one waiter, one page at a time.
public struct SearchTablesRequest: DojoMethodRequest {
    /// `SearchTablesV1`.
    public static let method = DojoMethod.searchTables

    /// Only tables in this area.
    @CheckedIfPresent<BoundedID> public var areaID: String?
    /// Only tables this waiter serves.
    @CheckedIfPresent<BoundedID> public var waiterID: String?
    /// Paging.
    public var cursor: Cursor?
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

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

    private enum CodingKeys: String, CodingKey {
        case areaID = "areaId"
        case waiterID = "waiterId"
        case cursor, headers
    }
}

/// `ListAreasV1`: lists every area. Its `params` are optional in the spec; absent params decode as empty.
public struct ListAreasRequest: DojoMethodRequest {
    /// `ListAreasV1`.
    public static let method = DojoMethod.listAreas

    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(headers: RequestHeaders = RequestHeaders()) {
        self.headers = headers
    }

    /// None.
    public var entityKeys: [EntityKey] { [] }

    /// Decodes the params; `null` (absent) params are accepted.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        self = json.isNull ? ListAreasRequest() : try JSONValueDecoder().decode(Self.self, from: json, path: path)
    }
}

/// `GetOrderByIdV1`: Dojo fetches the latest state of an order (typically after an `OrderUpdated` POS event).
public struct GetOrderByIDRequest: DojoMethodRequest {
    /// `GetOrderByIdV1`.
    public static let method = DojoMethod.getOrder

    /// The POS's id of the order.
    @Checked<NonEmptyID> public var orderID: String
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

    /// Creates the request.
    public init(orderID: String, headers: RequestHeaders = RequestHeaders()) {
        self.orderID = orderID
        self.headers = headers
    }

    /// The order id.
    public var entityKeys: [EntityKey] { [.order(orderID)] }

    private enum CodingKeys: String, CodingKey {
        case orderID = "orderId"
        case headers
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
    @Checked<OptionalHeaders> public var headers: RequestHeaders

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
}

/// The dine-in filter of `SearchOrdersV1` (the spec's `SearchDineInDetails`).
public struct DineInFilter: Hashable, Sendable {
    /// Only orders at this table.
    @CheckedIfPresent<BoundedID> public var tableID: String?
    /// Only orders of this waiter.
    @CheckedIfPresent<BoundedID> public var waiterID: String?
    /// Only orders of this party.
    @CheckedIfPresent<BoundedID> public var partyID: String?
    /// Only orders of this reservation.
    @CheckedIfPresent<BoundedID> public var reservationID: String?

    /// Creates a filter.
    public init(tableID: String? = nil, waiterID: String? = nil, partyID: String? = nil, reservationID: String? = nil) {
        self.tableID = tableID
        self.waiterID = waiterID
        self.partyID = partyID
        self.reservationID = reservationID
    }

    private enum CodingKeys: String, CodingKey {
        case tableID = "tableId"
        case waiterID = "waiterId"
        case partyID = "partyId"
        case reservationID = "reservationId"
    }
}

extension DineInFilter: JSONRepresentable {}
