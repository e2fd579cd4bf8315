/// A decoded Dojo request: one case per implemented method, each with its validated, typed params.
///
/// ```swift
/// let request = try DojoRequest(method: rpc.method, params: rpc.params)
/// for key in request.entityKeys { … }        // per-entity ordering
/// ```
public enum DojoRequest: Hashable, Sendable {
    /// `CreateReservationV1`.
    case createReservation(CreateReservationRequest)
    /// `GetReservationByIdV1`.
    case getReservation(GetReservationByIDRequest)
    /// `UpdateReservationV1`.
    case updateReservation(UpdateReservationRequest)
    /// `DeleteReservationByIdV1`.
    case deleteReservation(DeleteReservationByIDRequest)
    /// `SearchReservationsV1`.
    case searchReservations(SearchReservationsRequest)
    /// `CreatePartyV1`.
    case createParty(CreatePartyRequest)
    /// `GetPartyByIdV1`.
    case getParty(GetPartyByIDRequest)
    /// `UpdatePartyV1`.
    case updateParty(UpdatePartyRequest)
    /// `DeletePartyByIdV1`.
    case deleteParty(DeletePartyByIDRequest)
    /// `SearchPartiesV1`.
    case searchParties(SearchPartiesRequest)
    /// `SearchTablesV1`.
    case searchTables(SearchTablesRequest)
    /// `ListAreasV1`.
    case listAreas(ListAreasRequest)
    /// `GetOrderByIdV1`.
    case getOrder(GetOrderByIDRequest)
    /// `SearchOrdersV1`.
    case searchOrders(SearchOrdersRequest)
    /// `HandleEventV1`.
    case handleEvent(HandleEventRequest)

    /// Decodes a request from its wire method name and `params`.
    ///
    /// `params` absent (`nil` or `.null`) is accepted only for `ListAreasV1`; every other method reports
    /// `params: required field is missing`. Unknown members are ignored.
    ///
    /// - Throws: ``DojoProtocolError`` with code ``DojoProtocolError/Code/unknownMethod`` (message names the
    ///   method) or ``DojoProtocolError/Code/invalidParams`` (message names the field path and reason).
    public init(method: String, params: JSONValue?) throws(DojoProtocolError) {
        guard let known = DojoMethod(rawValue: method) else {
            let name = JSONField.excerpt(method, limit: 64)
            if DojoMethod.unsupportedWireNames.contains(method) {
                throw DojoProtocolError(code: .unknownMethod, message: "method \(name) is not supported by this agent")
            }
            throw DojoProtocolError(code: .unknownMethod, message: "unknown method \(name)")
        }
        try self.init(method: known, params: params ?? .null)
    }

    /// Decodes the params of a known method.
    ///
    /// - Throws: ``DojoProtocolError`` with code ``DojoProtocolError/Code/invalidParams``.
    public init(method: DojoMethod, params: JSONValue) throws(DojoProtocolError) {
        let path = "params"
        if params.isNull, method != .listAreas {
            throw JSONField.failure(path, "required field is missing")
        }
        switch method {
        case .createReservation: self = .createReservation(try .init(json: params, path: path))
        case .getReservation: self = .getReservation(try .init(json: params, path: path))
        case .updateReservation: self = .updateReservation(try .init(json: params, path: path))
        case .deleteReservation: self = .deleteReservation(try .init(json: params, path: path))
        case .searchReservations: self = .searchReservations(try .init(json: params, path: path))
        case .createParty: self = .createParty(try .init(json: params, path: path))
        case .getParty: self = .getParty(try .init(json: params, path: path))
        case .updateParty: self = .updateParty(try .init(json: params, path: path))
        case .deleteParty: self = .deleteParty(try .init(json: params, path: path))
        case .searchParties: self = .searchParties(try .init(json: params, path: path))
        case .searchTables: self = .searchTables(try .init(json: params, path: path))
        case .listAreas: self = .listAreas(try .init(json: params, path: path))
        case .getOrder: self = .getOrder(try .init(json: params, path: path))
        case .searchOrders: self = .searchOrders(try .init(json: params, path: path))
        case .handleEvent: self = .handleEvent(try .init(json: params, path: path))
        }
    }

    /// The typed params, as the common protocol.
    public var payload: any DojoMethodRequest {
        switch self {
        case .createReservation(let request): request
        case .getReservation(let request): request
        case .updateReservation(let request): request
        case .deleteReservation(let request): request
        case .searchReservations(let request): request
        case .createParty(let request): request
        case .getParty(let request): request
        case .updateParty(let request): request
        case .deleteParty(let request): request
        case .searchParties(let request): request
        case .searchTables(let request): request
        case .listAreas(let request): request
        case .getOrder(let request): request
        case .searchOrders(let request): request
        case .handleEvent(let request): request
        }
    }

    /// The method.
    public var method: DojoMethod { type(of: payload).method }

    /// Who is asking.
    public var headers: RequestHeaders { payload.headers }

    /// The entities this request touches; requests whose key sets intersect must run in arrival order (see
    /// ``EntityKey``). Empty for searches and listings.
    public var entityKeys: [EntityKey] { payload.entityKeys }

    /// The capability an adapter must declare to serve this request: the method's only capability, or for
    /// `HandleEventV1` the one matching the event type (`nil` for an event type the agent does not know).
    public var requiredCapability: Capability? {
        if case .handleEvent(let request) = self { return request.capability }
        return method.capabilities.first
    }

    /// The params as JSON (for forwarding to an out-of-process adapter, or for a simulator to send).
    public var params: JSONValue { payload.jsonValue }

    /// A complete request frame with this method and params, as Dojo sends it (the simulator's side).
    public func requestFrame(id: RequestID) -> String {
        var writer = JSONWriter()
        writer.write(
            .object([
                "jsonrpc": .string(RPCVersion.current),
                "id": id.jsonValue,
                "method": .string(method.wireName),
                "params": params,
            ])
        )
        return writer.text
    }
}
