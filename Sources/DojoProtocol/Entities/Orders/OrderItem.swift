/// A line of an order: a product, its quantity and unit price, with optional sub-items and modifiers.
public struct OrderItem: Hashable, Sendable {
    /// Human-readable product name.
    public var name: String
    /// Base price of one item, before modifiers, sub-items and discounts.
    public var amountPerItem: Money
    /// Product look-up code.
    public var plu: String
    /// How many were ordered.
    @Checked<Count> public var quantity: Int
    /// Free-text note.
    public var note: String?
    /// Items included in this one (a meal deal's drink).
    public var subItems: [OrderSubItem]?
    /// Modifiers applied to each single item.
    public var modifiers: [Modifier]?

    /// Creates an order line.
    public init(
        name: String,
        amountPerItem: Money,
        plu: String,
        quantity: Int,
        note: String? = nil,
        subItems: [OrderSubItem]? = nil,
        modifiers: [Modifier]? = nil
    ) {
        self.name = name
        self.amountPerItem = amountPerItem
        self.plu = plu
        self.quantity = quantity
        self.note = note
        self.subItems = subItems
        self.modifiers = modifiers
    }
}

extension OrderItem: JSONRepresentable {}

/// An item included in an order line; the same shape as ``OrderItem`` without further sub-items.
public struct OrderSubItem: Hashable, Sendable {
    /// Human-readable product name.
    public var name: String
    /// Base price of one sub-item, without its parent.
    public var amountPerItem: Money
    /// Product look-up code.
    public var plu: String
    /// How many.
    @Checked<Count> public var quantity: Int
    /// Free-text note.
    public var note: String?
    /// Modifiers applied to the sub-item.
    public var modifiers: [Modifier]?

    /// Creates a sub-item.
    public init(
        name: String,
        amountPerItem: Money,
        plu: String,
        quantity: Int,
        note: String? = nil,
        modifiers: [Modifier]? = nil
    ) {
        self.name = name
        self.amountPerItem = amountPerItem
        self.plu = plu
        self.quantity = quantity
        self.note = note
        self.modifiers = modifiers
    }
}

extension OrderSubItem: JSONRepresentable {}

/// A change to an item ("Extra Cheese"), priced per single item.
public struct Modifier: Hashable, Sendable {
    /// Human-readable name.
    public var name: String
    /// How many times it applies to one item (two burgers with double cheese: 2, not 4).
    @Checked<Count> public var quantity: Int
    /// Price of one modifier.
    public var amountPerModifier: Money
    /// Product look-up code.
    public var plu: String

    /// Creates a modifier.
    public init(name: String, quantity: Int, amountPerModifier: Money, plu: String) {
        self.name = name
        self.quantity = quantity
        self.amountPerModifier = amountPerModifier
        self.plu = plu
    }
}

extension Modifier: JSONRepresentable {
    private enum WireKeys: String, CodingKey {
        case name, quantity, amountPerModifier, plu
        case amountPerItem
    }

    /// Decodes a modifier.
    ///
    /// The spec's order example writes the price as `amountPerItem`; when `amountPerModifier` is absent that
    /// member is accepted instead. Output always uses `amountPerModifier`.
    public init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: WireKeys.self)
        let amountKey: WireKeys =
            if try object.decodeIfPresent(JSONValue.self, forKey: .amountPerModifier) == nil,
                try object.decodeIfPresent(JSONValue.self, forKey: .amountPerItem) != nil
            {
                .amountPerItem
            } else {
                .amountPerModifier
            }
        self.init(
            name: try object.decode(String.self, forKey: .name),
            quantity: try object.decode(Checked<Count>.self, forKey: .quantity).wrappedValue,
            amountPerModifier: try object.decode(Money.self, forKey: amountKey),
            plu: try object.decode(String.self, forKey: .plu)
        )
    }
}

extension Modifier: WireSchemaRefining {
    /// `amountPerItem` may stand for `amountPerModifier`.
    public static func refineWireSchema(_ schema: inout [String: JSONValue]) {
        guard case .object(var properties)? = schema["properties"], case .array(let required)? = schema["required"]
        else { return }
        properties["amountPerItem"] = properties["amountPerModifier"]
        schema["properties"] = .object(properties)
        schema["required"] = .array(required.filter { $0 != "amountPerModifier" })
        schema["anyOf"] = [["required": ["amountPerModifier"]], ["required": ["amountPerItem"]]]
    }
}
