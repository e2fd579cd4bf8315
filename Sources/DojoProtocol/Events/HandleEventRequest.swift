/// `HandleEventV1`: Dojo notifies the POS about a Dojo-owned entity (a payment intent).
///
/// Delivery is at least once, so the adapter must de-duplicate on ``id``. The answer is an empty result.
public struct HandleEventRequest: DojoMethodRequest {
    /// `HandleEventV1`.
    public static let method = DojoMethod.handleEvent

    /// Unique event id: the de-duplication key.
    public var id: String
    /// The Dojo account (one location).
    public var accountID: String
    /// What happened.
    public var event: DojoEventType
    /// The payment intent concerned.
    public var data: PaymentIntentEventData
    /// When Dojo created the event.
    public var createdAt: Timestamp
    /// Who is asking.
    public var headers: RequestHeaders

    /// Creates the request.
    public init(
        id: String,
        accountID: String,
        event: DojoEventType,
        data: PaymentIntentEventData,
        createdAt: Timestamp,
        headers: RequestHeaders = RequestHeaders()
    ) {
        self.id = id
        self.accountID = accountID
        self.event = event
        self.data = data
        self.createdAt = createdAt
        self.headers = headers
    }

    /// The capability that subscribes to this event's type, if the type is known.
    public var capability: Capability? { Capability.handleEvent(event) }

    /// The payment intent, so events about one intent are handled in order.
    public var entityKeys: [EntityKey] { [.paymentIntent(data.paymentIntentID)] }

    /// Decodes and validates the params.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredID("id"),
            accountID: try object.requiredBoundedString("accountId"),
            event: try object.required("event", as: DojoEventType.self),
            data: try object.required("data", as: PaymentIntentEventData.self),
            createdAt: try object.requiredTimestamp("createdAt"),
            headers: try object.headers()
        )
    }

    /// The params object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("accountId", accountID)
        object.set("event", event)
        object.set("data", data)
        object.set("createdAt", createdAt)
        object.set("headers", headers)
        return object.value
    }
}
