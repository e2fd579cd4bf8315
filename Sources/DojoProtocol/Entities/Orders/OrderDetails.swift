/// How an order is served: its type plus the matching dine-in or collection details.
public struct OrderDetails: Hashable, Sendable {
    /// `DineIn` or `Collection`.
    public var orderType: OrderType
    /// Table, waiter, party and reservation of a dine-in order.
    public var dineIn: DineInDetails?
    /// Collection time of a collection order.
    public var collection: CollectionDetails?

    /// Creates order details.
    public init(orderType: OrderType, dineIn: DineInDetails? = nil, collection: CollectionDetails? = nil) {
        self.orderType = orderType
        self.dineIn = dineIn
        self.collection = collection
    }
}

extension OrderDetails: JSONRepresentable {}

/// Where a dine-in order is eaten; `partyId` links the order to a Bookings party.
public struct DineInDetails: Hashable, Sendable {
    /// The table.
    public var tableID: String?
    /// The waiter.
    public var waiterID: String?
    /// The POS's party id, when parties are implemented and known.
    public var partyID: String?
    /// The POS's reservation id.
    public var reservationID: String?
    /// When a pre-order should be ready.
    public var readyAt: Timestamp?

    /// Creates dine-in details.
    public init(
        tableID: String? = nil,
        waiterID: String? = nil,
        partyID: String? = nil,
        reservationID: String? = nil,
        readyAt: Timestamp? = nil
    ) {
        self.tableID = tableID
        self.waiterID = waiterID
        self.partyID = partyID
        self.reservationID = reservationID
        self.readyAt = readyAt
    }

    private enum CodingKeys: String, CodingKey {
        case tableID = "tableId"
        case waiterID = "waiterId"
        case partyID = "partyId"
        case reservationID = "reservationId"
        case readyAt
    }
}

extension DineInDetails: JSONRepresentable {}

/// When a collection order is picked up.
public struct CollectionDetails: Hashable, Sendable {
    /// Collect as soon as possible.
    public var asap: Bool?
    /// Collection time.
    public var collectAt: Timestamp?

    /// Creates collection details.
    public init(asap: Bool? = nil, collectAt: Timestamp? = nil) {
        self.asap = asap
        self.collectAt = collectAt
    }
}

extension CollectionDetails: JSONRepresentable {}
