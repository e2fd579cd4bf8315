/// An order as the POS holds it: what `GetOrderByIdV1` and `SearchOrdersV1` return.
///
/// Only `status` and `details` are required by the schema; every other member is optional and omitted when
/// `nil`, so a POS can return as much as it knows. Arrays are optional too, to keep "absent" and "empty" apart
/// on a round trip.
public struct Order: Hashable, Sendable {
    /// The POS's order id.
    public var id: String?
    /// Line items.
    public var items: [OrderItem]?
    /// Free-text note.
    public var note: String?
    /// The customer, when known.
    public var customer: Customer?
    /// Discounts applied.
    public var discounts: [Discount]?
    /// Taxes applied.
    public var taxLines: [TaxLine]?
    /// Life-cycle state.
    public var status: OrderStatus
    /// When the order was created.
    public var createdAt: Timestamp?
    /// When it last changed.
    public var updatedAt: Timestamp?
    /// Total after discounts and taxes, including service charge, excluding tips.
    public var totalAmount: Money?
    /// Payments recorded against the order.
    public var payments: [Payment]?
    /// Whether the order can be paid for now.
    public var payable: Bool?
    /// Sum of payments excluding tips; equals `totalAmount` when fully paid.
    public var paidAmount: Money?
    /// Service charge included in `totalAmount`.
    public var serviceChargeAmount: Money?
    /// Human-readable order reference.
    public var reference: String?
    /// Sum of the payments' tips (not part of `totalAmount` or `paidAmount`).
    public var tipsAmount: Money?
    /// How the order is served, with dine-in or collection details.
    public var details: OrderDetails
    /// Display name.
    public var displayName: String?

    /// Creates an order.
    public init(
        id: String? = nil,
        items: [OrderItem]? = nil,
        note: String? = nil,
        customer: Customer? = nil,
        discounts: [Discount]? = nil,
        taxLines: [TaxLine]? = nil,
        status: OrderStatus = .new,
        createdAt: Timestamp? = nil,
        updatedAt: Timestamp? = nil,
        totalAmount: Money? = nil,
        payments: [Payment]? = nil,
        payable: Bool? = nil,
        paidAmount: Money? = nil,
        serviceChargeAmount: Money? = nil,
        reference: String? = nil,
        tipsAmount: Money? = nil,
        details: OrderDetails,
        displayName: String? = nil
    ) {
        self.id = id
        self.items = items
        self.note = note
        self.customer = customer
        self.discounts = discounts
        self.taxLines = taxLines
        self.status = status
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.totalAmount = totalAmount
        self.payments = payments
        self.payable = payable
        self.paidAmount = paidAmount
        self.serviceChargeAmount = serviceChargeAmount
        self.reference = reference
        self.tipsAmount = tipsAmount
        self.details = details
        self.displayName = displayName
    }
}

extension Order: JSONRepresentable {}
