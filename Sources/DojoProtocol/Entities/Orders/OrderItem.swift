/// A line of an order: a product, its quantity and unit price, with optional sub-items and modifiers.
public struct OrderItem: Hashable, Sendable {
    /// Human-readable product name.
    public var name: String
    /// Base price of one item, before modifiers, sub-items and discounts.
    public var amountPerItem: Money
    /// Product look-up code.
    public var plu: String
    /// How many were ordered.
    public var quantity: Int
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

extension OrderItem: JSONRepresentable {
    /// Decodes an order line.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            name: try object.requiredString("name"),
            amountPerItem: try object.required("amountPerItem", as: Money.self),
            plu: try object.requiredString("plu"),
            quantity: try object.requiredCount("quantity"),
            note: try object.optionalString("note"),
            subItems: try object.optionalArray("subItems", of: OrderSubItem.self),
            modifiers: try object.optionalArray("modifiers", of: Modifier.self)
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("name", name)
        object.set("amountPerItem", amountPerItem)
        object.set("plu", plu)
        object.set("quantity", quantity)
        object.set("note", note)
        object.set("subItems", subItems)
        object.set("modifiers", modifiers)
        return object.value
    }
}

/// An item included in an order line; the same shape as ``OrderItem`` without further sub-items.
public struct OrderSubItem: Hashable, Sendable {
    /// Human-readable product name.
    public var name: String
    /// Base price of one sub-item, without its parent.
    public var amountPerItem: Money
    /// Product look-up code.
    public var plu: String
    /// How many.
    public var quantity: Int
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

extension OrderSubItem: JSONRepresentable {
    /// Decodes a sub-item.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            name: try object.requiredString("name"),
            amountPerItem: try object.required("amountPerItem", as: Money.self),
            plu: try object.requiredString("plu"),
            quantity: try object.requiredCount("quantity"),
            note: try object.optionalString("note"),
            modifiers: try object.optionalArray("modifiers", of: Modifier.self)
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("name", name)
        object.set("amountPerItem", amountPerItem)
        object.set("plu", plu)
        object.set("quantity", quantity)
        object.set("note", note)
        object.set("modifiers", modifiers)
        return object.value
    }
}

/// A change to an item ("Extra Cheese"), priced per single item.
public struct Modifier: Hashable, Sendable {
    /// Human-readable name.
    public var name: String
    /// How many times it applies to one item (two burgers with double cheese: 2, not 4).
    public var quantity: Int
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
    /// Decodes a modifier.
    ///
    /// The spec's order example writes the price as `amountPerItem`; when `amountPerModifier` is absent that
    /// member is accepted instead. Output always uses `amountPerModifier`.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        let amount =
            if object.optionalValue("amountPerModifier") == nil, object.optionalValue("amountPerItem") != nil {
                try object.required("amountPerItem", as: Money.self)
            } else {
                try object.required("amountPerModifier", as: Money.self)
            }
        self.init(
            name: try object.requiredString("name"),
            quantity: try object.requiredCount("quantity"),
            amountPerModifier: amount,
            plu: try object.requiredString("plu")
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("name", name)
        object.set("quantity", quantity)
        object.set("amountPerModifier", amountPerModifier)
        object.set("plu", plu)
        return object.value
    }
}
