/// Where an order is in its life cycle: an open set.
///
/// The spec lists ten values, yet its own `Order` example uses `"Created"`; unknown values are kept verbatim
/// rather than refused, so a POS or Dojo using another word does not break the exchange.
public struct OrderStatus: WireString {
    /// The wire string.
    public let rawValue: String

    /// Wraps any wire string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The spec's default.
    public static let new = OrderStatus(rawValue: "New")
    /// Sent to the kitchen or till.
    public static let submitted = OrderStatus(rawValue: "Submitted")
    /// Confirmed by the venue.
    public static let confirmed = OrderStatus(rawValue: "Confirmed")
    /// Accepted by the venue.
    public static let accepted = OrderStatus(rawValue: "Accepted")
    /// Being prepared.
    public static let preparing = OrderStatus(rawValue: "Preparing")
    /// Prepared.
    public static let prepared = OrderStatus(rawValue: "Prepared")
    /// Ready to serve or collect.
    public static let ready = OrderStatus(rawValue: "Ready")
    /// Closed.
    public static let finalized = OrderStatus(rawValue: "Finalized")
    /// Cancelled.
    public static let canceled = OrderStatus(rawValue: "Canceled")
    /// Failed.
    public static let failed = OrderStatus(rawValue: "Failed")

    /// The ten values the spec's enum lists, in its order.
    public static let documented: [OrderStatus] = [
        .new, .submitted, .confirmed, .accepted, .preparing, .prepared, .ready, .finalized, .canceled, .failed,
    ]
}

/// How the order is served: an open set (`DineIn`, `Collection`).
public struct OrderType: WireString {
    /// The wire string.
    public let rawValue: String

    /// Wraps any wire string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Eaten at a table.
    public static let dineIn = OrderType(rawValue: "DineIn")
    /// Collected by the customer.
    public static let collection = OrderType(rawValue: "Collection")
}
