/// The successful answer to a request, encoded as the response's `result`.
public enum DojoResult: Hashable, Sendable {
    /// A reservation (create, update, get).
    case reservation(Reservation)
    /// A party (create, update, get).
    case party(Party)
    /// A page of reservations (search).
    case reservations(Page<Reservation>)
    /// A page of parties (search).
    case parties(Page<Party>)
    /// A page of tables (search).
    case tables(Page<Table>)
    /// Every area (a bare array).
    case areas([Area])
    /// An order (get).
    case order(Order)
    /// A page of orders (search).
    case orders(Page<Order>)
    /// `{}`: deletes and event handling.
    case empty

    /// The `result` JSON.
    public var jsonValue: JSONValue {
        switch self {
        case .reservation(let value): value.jsonValue
        case .party(let value): value.jsonValue
        case .reservations(let value): value.jsonValue
        case .parties(let value): value.jsonValue
        case .tables(let value): value.jsonValue
        case .areas(let value): .array(value.map(\.jsonValue))
        case .order(let value): value.jsonValue
        case .orders(let value): value.jsonValue
        case .empty: .object([:])
        }
    }

    /// Writes the `result` JSON's text, the same bytes as ``jsonValue`` serialised, without building it.
    func write(into writer: inout JSONWriter) {
        switch self {
        case .reservation(let value): JSONTextEncoder.encode(value, into: &writer)
        case .party(let value): JSONTextEncoder.encode(value, into: &writer)
        case .reservations(let value): JSONTextEncoder.encode(value, into: &writer)
        case .parties(let value): JSONTextEncoder.encode(value, into: &writer)
        case .tables(let value): JSONTextEncoder.encode(value, into: &writer)
        case .areas(let value): JSONTextEncoder.encode(value, into: &writer)
        case .order(let value): JSONTextEncoder.encode(value, into: &writer)
        case .orders(let value): JSONTextEncoder.encode(value, into: &writer)
        case .empty: writer.appendASCII("{}")
        }
    }

    /// Decodes a `result` for the method it answers (the simulator's side, and golden tests).
    ///
    /// An `empty` result accepts any object (its members are ignored).
    ///
    /// - Throws: ``DojoProtocolError`` naming the path under `result`.
    public init(json: JSONValue, for method: DojoMethod) throws(DojoProtocolError) {
        let path = "result"
        switch method {
        case .createReservation, .updateReservation, .getReservation:
            self = .reservation(try Reservation(json: json, path: path))
        case .createParty, .updateParty, .getParty:
            self = .party(try Party(json: json, path: path))
        case .searchReservations:
            self = .reservations(try Page(json: json, path: path))
        case .searchParties:
            self = .parties(try Page(json: json, path: path))
        case .searchTables:
            self = .tables(try Page(json: json, path: path))
        case .listAreas:
            self = .areas(try JSONField.elements(json, at: path, of: Area.self))
        case .getOrder:
            self = .order(try Order(json: json, path: path))
        case .searchOrders:
            self = .orders(try Page(json: json, path: path))
        case .deleteReservation, .deleteParty, .handleEvent:
            _ = try JSONObjectReader(json, path: path)
            self = .empty
        }
    }

    /// Whether this result has the shape `method` must answer with (a dispatcher's sanity check on adapters).
    public func matches(_ method: DojoMethod) -> Bool {
        switch (self, method) {
        case (.reservation, .createReservation), (.reservation, .updateReservation), (.reservation, .getReservation),
            (.party, .createParty), (.party, .updateParty), (.party, .getParty),
            (.reservations, .searchReservations), (.parties, .searchParties), (.tables, .searchTables),
            (.areas, .listAreas), (.order, .getOrder), (.orders, .searchOrders),
            (.empty, .deleteReservation), (.empty, .deleteParty), (.empty, .handleEvent):
            true
        default:
            false
        }
    }
}
