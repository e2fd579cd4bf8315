/// A table guests can sit at, as listed by `SearchTablesV1`.
public struct Table: Hashable, Sendable {
    /// The POS's id.
    public var id: String
    /// Display name, unique within its area; shown on the card machine.
    public var name: String
    /// Most covers the table seats.
    public var maxCovers: Int?
    /// The area the table belongs to.
    public var areaID: String?
    /// Waiters serving the table.
    public var waiterIDs: [String]?

    /// Creates a table.
    public init(id: String, name: String, maxCovers: Int? = nil, areaID: String? = nil, waiterIDs: [String]? = nil) {
        self.id = id
        self.name = name
        self.maxCovers = maxCovers
        self.areaID = areaID
        self.waiterIDs = waiterIDs
    }
}

extension Table: JSONRepresentable {
    /// Decodes a table.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredNonEmptyString("id"),
            name: try object.requiredString("name"),
            maxCovers: try object.optionalCount("maxCovers"),
            areaID: try object.optionalString("areaId"),
            waiterIDs: try object.optionalStringArray("waiterIds")
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("name", name)
        object.set("maxCovers", maxCovers)
        object.set("areaId", areaID)
        object.set("waiterIds", waiterIDs)
        return object.value
    }
}

/// A physical area of the venue ("downstairs", "terrace"), as listed by `ListAreasV1`.
public struct Area: Hashable, Sendable {
    /// The POS's id.
    public var id: String
    /// Display name.
    public var name: String
    /// Waiters serving the area.
    public var waiterIDs: [String]?

    /// Creates an area.
    public init(id: String, name: String, waiterIDs: [String]? = nil) {
        self.id = id
        self.name = name
        self.waiterIDs = waiterIDs
    }
}

extension Area: JSONRepresentable {
    /// Decodes an area.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            id: try object.requiredNonEmptyString("id"),
            name: try object.requiredString("name"),
            waiterIDs: try object.optionalStringArray("waiterIds")
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("id", id)
        object.set("name", name)
        object.set("waiterIds", waiterIDs)
        return object.value
    }
}
