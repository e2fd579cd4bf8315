/// An amount of money in minor units (`{value: 1020, currencyCode: "GBP"}` is £10.20).
public struct Money: Hashable, Sendable {
    /// The amount in the currency's minor unit (pence, cents).
    public var value: Int64
    /// ISO 4217 alpha-3 code; Dojo accepts 1 to 10 characters and currently uses `GBP` and `EUR`.
    public var currencyCode: String

    /// Creates an amount.
    public init(value: Int64, currencyCode: String) {
        self.value = value
        self.currencyCode = currencyCode
    }
}

extension Money: JSONRepresentable {
    /// Decodes `{value, currencyCode}`; the code must be 1 to 10 characters long.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        let code = try object.requiredString("currencyCode")
        guard (1...10).contains(code.count) else {
            throw JSONField.failure(object.path(of: "currencyCode"), "must be 1 to 10 characters long")
        }
        self.init(value: try object.requiredInteger("value"), currencyCode: code)
    }

    /// `{value, currencyCode}`.
    public var jsonValue: JSONValue {
        .object(["value": .integer(value), "currencyCode": .string(currencyCode)])
    }
}
