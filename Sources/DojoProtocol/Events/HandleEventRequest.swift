/// `HandleEventV1`: Dojo notifies the POS about a Dojo-owned entity (a payment intent).
///
/// Delivery is at least once, so the adapter must de-duplicate on ``id``. The answer is an empty result.
public struct HandleEventRequest: DojoMethodRequest {
    /// `HandleEventV1`.
    public static let method = DojoMethod.handleEvent

    /// Unique event id: the de-duplication key.
    @Checked<NonEmptyID> public var id: String
    /// The Dojo account (one location).
    @Checked<BoundedID> public var accountID: String
    /// What happened.
    public var event: DojoEventType
    /// The payment intent concerned.
    public var data: PaymentIntentEventData
    /// When Dojo created the event.
    public var createdAt: Timestamp
    /// Who is asking.
    @Checked<OptionalHeaders> public var headers: RequestHeaders

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

    private enum CodingKeys: String, CodingKey {
        case id
        case accountID = "accountId"
        case event, data, createdAt, headers
    }
}
