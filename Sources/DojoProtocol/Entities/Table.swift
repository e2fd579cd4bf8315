/// A table guests can sit at, as listed by `SearchTablesV1`.
public struct Table: Hashable, Sendable {
    /// The POS's id.
    @Checked<NonEmpty> public var id: String
    /// Display name, unique within its area; shown on the card machine.
    public var name: String
    /// Most covers the table seats.
    @CheckedIfPresent<Count> public var maxCovers: Int?
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

    private enum CodingKeys: String, CodingKey {
        case id, name, maxCovers
        case areaID = "areaId"
        case waiterIDs = "waiterIds"
    }
}

extension Table: JSONRepresentable {}

/// A physical area of the venue ("downstairs", "terrace"), as listed by `ListAreasV1`.
public struct Area: Hashable, Sendable {
    /// The POS's id.
    @Checked<NonEmpty> public var id: String
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

    private enum CodingKeys: String, CodingKey {
        case id, name
        case waiterIDs = "waiterIds"
    }
}

extension Area: JSONRepresentable {}
