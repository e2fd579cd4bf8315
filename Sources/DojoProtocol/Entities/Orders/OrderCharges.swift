/// A payment recorded against an order.
public struct Payment: Hashable, Sendable {
    /// Amount paid, excluding tips, including any service charge.
    public var paidAmount: Money
    /// The Dojo payment intent behind it.
    public var paymentIntentID: String?
    /// Tip added to this payment (not in `paidAmount`).
    public var tipsAmount: Money?

    /// Creates a payment.
    public init(paidAmount: Money, paymentIntentID: String? = nil, tipsAmount: Money? = nil) {
        self.paidAmount = paidAmount
        self.paymentIntentID = paymentIntentID
        self.tipsAmount = tipsAmount
    }

    private enum CodingKeys: String, CodingKey {
        case paidAmount
        case paymentIntentID = "paymentIntentId"
        case tipsAmount
    }
}

extension Payment: JSONRepresentable {}

/// A discount applied to an order or to one product.
public struct Discount: Hashable, Sendable {
    /// The discount's name.
    public var name: String
    /// Amount taken off.
    public var amountTotal: Money
    /// The product it applies to; absent when it applies to the total.
    public var affectedPLU: String?
    /// Reference that identifies the discount.
    public var discountReference: String?
    /// Discount code.
    public var code: String?
    /// Percentage with two implied decimals (25.1% is 2510).
    public var amountPercentage: Int?

    /// Creates a discount.
    public init(
        name: String,
        amountTotal: Money,
        affectedPLU: String? = nil,
        discountReference: String? = nil,
        code: String? = nil,
        amountPercentage: Int? = nil
    ) {
        self.name = name
        self.amountTotal = amountTotal
        self.affectedPLU = affectedPLU
        self.discountReference = discountReference
        self.code = code
        self.amountPercentage = amountPercentage
    }

    private enum CodingKeys: String, CodingKey {
        case name, amountTotal
        case affectedPLU = "affectedPlu"
        case discountReference, code, amountPercentage
    }
}

extension Discount: JSONRepresentable {}

/// A tax applied to an order or to one product.
public struct TaxLine: Hashable, Sendable {
    /// Amount of tax.
    public var amountTotal: Money
    /// Identifier (up to 60 characters).
    public var id: String?
    /// Tax name (up to 100 characters).
    public var name: String?
    /// The product it applies to, for product-specific tax.
    public var affectedPLU: String?
    /// Percentage with two implied decimals (25.1% is 2510).
    public var amountPercentage: Int?

    /// Creates a tax line.
    public init(
        amountTotal: Money,
        id: String? = nil,
        name: String? = nil,
        affectedPLU: String? = nil,
        amountPercentage: Int? = nil
    ) {
        self.amountTotal = amountTotal
        self.id = id
        self.name = name
        self.affectedPLU = affectedPLU
        self.amountPercentage = amountPercentage
    }

    private enum CodingKeys: String, CodingKey {
        case amountTotal, id, name
        case affectedPLU = "affectedPlu"
        case amountPercentage
    }
}

extension TaxLine: JSONRepresentable {}

/// The customer an order belongs to.
public struct Customer: Hashable, Sendable {
    /// The customer's id.
    public var id: String?
    /// Email address (up to 254 characters).
    public var emailAddress: String?
    /// Phone number (up to 50 characters).
    @CheckedIfPresent<LenientString> public var phoneNumber: String?
    /// Name.
    public var name: String?

    /// Creates a customer.
    public init(id: String? = nil, emailAddress: String? = nil, phoneNumber: String? = nil, name: String? = nil) {
        self.id = id
        self.emailAddress = emailAddress
        self.phoneNumber = phoneNumber
        self.name = name
    }
}

extension Customer: JSONRepresentable {}
