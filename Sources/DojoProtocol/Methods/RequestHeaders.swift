/// Who is making a request, from `params.headers`: for logging and for POS rules such as waiter-based access.
///
/// Every field is optional. The spec requires the `headers` object itself, but a request without it decodes
/// with empty headers rather than failing: nothing in it is needed to serve the request. A number given for a
/// field (other Dojo APIs send waiter ids as integers) is kept as its text.
public struct RequestHeaders: Hashable, Sendable {
    /// The waiter making the request, if known.
    @CheckedIfPresent<LenientString> public var waiterID: String?
    /// The Dojo product making the request ("Bookings", "Order&Pay"), if known.
    @CheckedIfPresent<LenientString> public var dojoRequestingProduct: String?
    /// The device making the request, if known.
    @CheckedIfPresent<LenientString> public var deviceID: String?
    /// The kind of device ("Dojo Terminal"), if known.
    @CheckedIfPresent<LenientString> public var deviceType: String?

    /// Creates headers.
    public init(
        waiterID: String? = nil,
        dojoRequestingProduct: String? = nil,
        deviceID: String? = nil,
        deviceType: String? = nil
    ) {
        self.waiterID = waiterID
        self.dojoRequestingProduct = dojoRequestingProduct
        self.deviceID = deviceID
        self.deviceType = deviceType
    }

    /// Whether no field is set.
    public var isEmpty: Bool {
        waiterID == nil && dojoRequestingProduct == nil && deviceID == nil && deviceType == nil
    }

    private enum CodingKeys: String, CodingKey {
        case waiterID = "waiterId"
        case dojoRequestingProduct
        case deviceID = "deviceId"
        case deviceType
    }
}

extension RequestHeaders: JSONRepresentable {}

/// `params.headers`: absent (or `null`) decodes as empty headers; always written, as `{}` when empty.
public enum OptionalHeaders: WireRule {
    /// Accepted.
    public static func problem(with value: RequestHeaders) -> WireProblem? { nil }
    /// Empty headers.
    public static var valueWhenAbsent: RequestHeaders? { RequestHeaders() }
    /// None.
    public static var schemaKeywords: [String: JSONValue] { [:] }
}
