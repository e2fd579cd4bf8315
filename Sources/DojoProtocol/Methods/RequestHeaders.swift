/// Who is making a request, from `params.headers`: for logging and for POS rules such as waiter-based access.
///
/// Every field is optional. The spec requires the `headers` object itself, but a request without it decodes
/// with empty headers rather than failing: nothing in it is needed to serve the request. A number given for a
/// field (other Dojo APIs send waiter ids as integers) is kept as its text.
public struct RequestHeaders: Hashable, Sendable {
    /// The waiter making the request, if known.
    public var waiterID: String?
    /// The Dojo product making the request ("Bookings", "Order&Pay"), if known.
    public var dojoRequestingProduct: String?
    /// The device making the request, if known.
    public var deviceID: String?
    /// The kind of device ("Dojo Terminal"), if known.
    public var deviceType: String?

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
}

extension RequestHeaders: JSONRepresentable {
    /// Decodes headers.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            waiterID: try object.optionalLenientString("waiterId"),
            dojoRequestingProduct: try object.optionalLenientString("dojoRequestingProduct"),
            deviceID: try object.optionalLenientString("deviceId"),
            deviceType: try object.optionalLenientString("deviceType")
        )
    }

    /// The wire object (`{}` when empty).
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("waiterId", waiterID)
        object.set("dojoRequestingProduct", dojoRequestingProduct)
        object.set("deviceId", deviceID)
        object.set("deviceType", deviceType)
        return object.value
    }
}

extension JSONObjectReader {
    /// `headers`, or empty headers when the member is absent.
    func headers() throws(DojoProtocolError) -> RequestHeaders {
        try optional("headers", as: RequestHeaders.self) ?? RequestHeaders()
    }
}
