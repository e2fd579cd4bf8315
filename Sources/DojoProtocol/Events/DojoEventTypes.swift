/// The kind of a Dojo event delivered by `HandleEventV1`: an open set.
public struct DojoEventType: WireString {
    /// The wire string.
    public let rawValue: String

    /// Wraps any wire string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// A payment intent was created by Dojo.
    public static let paymentIntentCreated = DojoEventType(rawValue: "payment_intent.created")
    /// A payment intent's status changed.
    public static let paymentIntentStatusUpdated = DojoEventType(rawValue: "payment_intent.status_updated")
}

/// A payment intent's status: an open set.
public struct PaymentIntentStatus: WireString {
    /// The wire string.
    public let rawValue: String

    /// Wraps any wire string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Created, not yet authorised.
    public static let created = PaymentIntentStatus(rawValue: "Created")
    /// Authorised, not yet captured.
    public static let authorized = PaymentIntentStatus(rawValue: "Authorized")
    /// Captured.
    public static let captured = PaymentIntentStatus(rawValue: "Captured")
    /// Reversed.
    public static let reversed = PaymentIntentStatus(rawValue: "Reversed")
    /// Refunded.
    public static let refunded = PaymentIntentStatus(rawValue: "Refunded")
    /// Cancelled.
    public static let canceled = PaymentIntentStatus(rawValue: "Canceled")
}

/// How a payment intent is captured: an open set (`Auto`, `Manual`).
public struct CaptureMode: WireString {
    /// The wire string.
    public let rawValue: String

    /// Wraps any wire string.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// Captured automatically on authorisation.
    public static let auto = CaptureMode(rawValue: "Auto")
    /// Captured by a separate call.
    public static let manual = CaptureMode(rawValue: "Manual")
}

/// The `data` of a payment-intent event.
public struct PaymentIntentEventData: Hashable, Sendable {
    /// The payment intent.
    @Checked<NonEmptyID> public var paymentIntentID: String
    /// Its status now.
    public var paymentStatus: PaymentIntentStatus
    /// How it is captured.
    public var captureMode: CaptureMode

    /// Creates event data.
    public init(paymentIntentID: String, paymentStatus: PaymentIntentStatus, captureMode: CaptureMode) {
        self.paymentIntentID = paymentIntentID
        self.paymentStatus = paymentStatus
        self.captureMode = captureMode
    }

    private enum CodingKeys: String, CodingKey {
        case paymentIntentID = "paymentIntentId"
        case paymentStatus, captureMode
    }
}

extension PaymentIntentEventData: JSONRepresentable {}
