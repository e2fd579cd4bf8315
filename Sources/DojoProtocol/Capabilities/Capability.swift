/// Something the POS registers with Dojo so Dojo routes a method to it: a registration name and version, and the
/// wire method it enables.
///
/// Registration is a full replacement (`PUT /epos/integrations/ws`), so the agent always sends the complete set
/// an adapter declares. The version is `"v1"`: the docs say so and it matches the `V1` suffix (the API spec's
/// examples show a stale `"1.0.0"`).
public struct Capability: Hashable, Sendable, CustomStringConvertible {
    /// The registration name (`CreateReservation`, `HandleEvent:payment_intent.created`).
    public let name: String
    /// The registration version, `"v1"`.
    public let version: String
    /// The wire method Dojo sends once this is registered.
    public let method: DojoMethod

    private init(_ name: String, _ method: DojoMethod) {
        self.name = name
        self.version = "v1"
        self.method = method
    }

    /// Looks a capability up by registration name; the legacy names `UpdateReservationById` and
    /// `UpdatePartyById` (still accepted by Dojo) map to their current equivalents.
    public init?(name: String) {
        let current =
            switch name {
            case "UpdateReservationById": "UpdateReservation"
            case "UpdatePartyById": "UpdateParty"
            default: name
            }
        guard let found = Self.all.first(where: { $0.name == current }) else { return nil }
        self = found
    }

    /// `name@version`.
    public var description: String { "\(name)@\(version)" }

    /// Lets Dojo create reservations.
    public static let createReservation = Capability("CreateReservation", .createReservation)
    /// Lets Dojo fetch a reservation (needed for `ReservationUpdated` events to be useful).
    public static let getReservationByID = Capability("GetReservationById", .getReservation)
    /// Lets Dojo update reservations.
    public static let updateReservation = Capability("UpdateReservation", .updateReservation)
    /// Lets Dojo delete (cancel) reservations.
    public static let deleteReservationByID = Capability("DeleteReservationById", .deleteReservation)
    /// Lets Dojo search reservations.
    public static let searchReservations = Capability("SearchReservations", .searchReservations)
    /// Lets Dojo seat parties.
    public static let createParty = Capability("CreateParty", .createParty)
    /// Lets Dojo fetch a party (needed for `PartyUpdated` events to be useful).
    public static let getPartyByID = Capability("GetPartyById", .getParty)
    /// Lets Dojo update parties.
    public static let updateParty = Capability("UpdateParty", .updateParty)
    /// Lets Dojo delete parties.
    public static let deletePartyByID = Capability("DeletePartyById", .deleteParty)
    /// Lets Dojo search parties.
    public static let searchParties = Capability("SearchParties", .searchParties)
    /// Lets Dojo list tables.
    public static let searchTables = Capability("SearchTables", .searchTables)
    /// Lets Dojo list areas.
    public static let listAreas = Capability("ListAreas", .listAreas)
    /// Lets Dojo fetch an order (needed for `OrderUpdated` events to be useful).
    public static let getOrderByID = Capability("GetOrderById", .getOrder)
    /// Lets Dojo search orders.
    public static let searchOrders = Capability("SearchOrders", .searchOrders)
    /// Subscribes to `payment_intent.created` events.
    public static let handlePaymentIntentCreated = Capability(
        "HandleEvent:\(DojoEventType.paymentIntentCreated.rawValue)",
        .handleEvent
    )
    /// Subscribes to `payment_intent.status_updated` events.
    public static let handlePaymentIntentStatusUpdated = Capability(
        "HandleEvent:\(DojoEventType.paymentIntentStatusUpdated.rawValue)",
        .handleEvent
    )

    /// Every capability the agent can serve, in the canonical order used for registration bodies.
    public static let all: [Capability] = [
        .createReservation, .getReservationByID, .updateReservation, .deleteReservationByID, .searchReservations,
        .createParty, .getPartyByID, .updateParty, .deletePartyByID, .searchParties,
        .searchTables, .listAreas, .getOrderByID, .searchOrders,
        .handlePaymentIntentCreated, .handlePaymentIntentStatusUpdated,
    ]

    /// The capability that subscribes to one Dojo event type, if the agent knows the type.
    public static func handleEvent(_ type: DojoEventType) -> Capability? {
        all.first { $0.method == .handleEvent && $0.name == "HandleEvent:\(type.rawValue)" }
    }

    /// The canonical position, for stable ordering.
    var canonicalIndex: Int { Self.all.firstIndex(of: self) ?? Self.all.count }
}
