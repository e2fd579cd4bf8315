/// An amount of money in minor units (`{value: 1020, currencyCode: "GBP"}` is £10.20).
public struct Money: Hashable, Sendable {
    /// The amount in the currency's minor unit (pence, cents).
    public var value: Int64
    /// ISO 4217 alpha-3 code; Dojo accepts 1 to 10 characters and currently uses `GBP` and `EUR`.
    @Checked<CurrencyCode> public var currencyCode: String

    /// Creates an amount.
    public init(value: Int64, currencyCode: String) {
        self.value = value
        self.currencyCode = currencyCode
    }
}

extension Money: JSONRepresentable {}
