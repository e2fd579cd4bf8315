/// The wire contract as data: OpenRPC 1.3 documents rendered from the types (``WireSchema``), committed under
/// `Docs/contract/` by `dojo-sim contract` and checked against the types by the test suite.
///
/// - `epos-data.openrpc.json`: the EPOS Data methods Dojo sends to the POS, with their params and results.
/// - `adapter-protocol.openrpc.json`: the process-adapter protocol (`Docs/adapter-protocol.md`): `initialize`,
///   `ping`, `shutdown`, every EPOS method (same params and results), and the process's `agent/publishEvent`.
///
/// Each method lists its params by name (OpenRPC's `paramStructure: "by-name"`) and also carries the schema of
/// the whole `params` object as `x-params-schema`, which keeps constraints across members (a POS event's id key
/// follows its type). Schemas use JSON Schema 2020-12 and refer to `#/components/schemas/<Type>`.
public enum ContractDocuments {
    /// The documents, by file name.
    public static func all() -> [(file: String, document: JSONValue)] {
        [
            ("epos-data.openrpc.json", eposData()),
            ("adapter-protocol.openrpc.json", adapterProtocol()),
        ]
    }

    /// The EPOS Data methods.
    public static func eposData() -> JSONValue {
        var schema = WireSchema(referencePrefix: referencePrefix)
        let methods = DojoMethod.allCases.map { method(for: $0, schema: &schema) }
        let rest: JSONValue = [
            "POST /epos/events": schema.schema(of: PosEvent.self),
            "PUT /epos/integrations/ws": schema.schema(of: CapabilityRegistration.self),
        ]
        let error = schema.schema(of: DojoError.self)
        var result = document(
            title: "Dojo EPOS Data API, as dojo-agent implements it",
            description: "The JSON-RPC 2.0 methods Dojo sends to the POS over the agent's WebSocket. Generated "
                + "from the agent's types (dojo-sim contract); the agent accepts what these schemas accept, ignores "
                + "members it does not know, and counts id lengths in UTF-8 bytes.",
            methods: methods,
            schema: schema
        )
        if case .object(var members) = result {
            // The agent's REST bodies to Dojo, and the `error` object of a failed request.
            members["x-rest"] = rest
            members["x-error"] = error
            result = .object(members)
        }
        return result
    }

    /// The process-adapter protocol.
    public static func adapterProtocol() -> JSONValue {
        var schema = WireSchema(referencePrefix: referencePrefix)
        var methods: [JSONValue] = [
            method(
                "initialize",
                summary: "Agent → process, first: the protocol version and the capabilities the process serves.",
                params: schema.schema(of: AdapterInitializeParams.self),
                result: schema.schema(of: AdapterInitializeResult.self),
                schema: schema
            ),
            method(
                "ping",
                summary: "Agent → process: a health check; answer {}.",
                params: nil,
                result: emptyObject,
                schema: schema
            ),
            method(
                "shutdown",
                summary: "Agent → process: the agent stops; answer {}, then exit when stdin closes.",
                params: nil,
                result: emptyObject,
                schema: schema
            ),
        ]
        methods += DojoMethod.allCases.map { method(for: $0, schema: &schema) }
        methods.append(
            method(
                "agent/publishEvent",
                summary: "Process → agent: a POS event, answered once it is stored in the agent's outbox.",
                params: schema.schema(of: PosEvent.self),
                result: emptyObject,
                schema: schema
            )
        )
        var result = document(
            title: "dojo-agent process-adapter protocol",
            description: "JSON-RPC 2.0, one message per line on the process's stdin and stdout "
                + "(Docs/adapter-protocol.md). Generated from the agent's types (dojo-sim contract).",
            methods: methods,
            schema: schema
        )
        if case .object(var members) = result, case .object(var components)? = members["components"] {
            components["errors"] = ["AdapterError": adapterErrorSchema]
            members["components"] = .object(components)
            result = .object(members)
        }
        return result
    }

    static let referencePrefix = "#/components/schemas/"
    static let emptyObject: JSONValue = ["type": "object"]

    /// An error answer of the process: `data.errorType` chooses what Dojo sees.
    static let adapterErrorSchema: JSONValue = [
        "type": "object",
        "required": ["code", "message"],
        "properties": [
            "code": ["type": "integer"],
            "message": ["type": "string"],
            "data": [
                "type": "object",
                "properties": ["errorType": ["type": "string"], "traceId": ["type": "string"]],
            ],
        ],
    ]

    private static func method(for method: DojoMethod, schema: inout WireSchema) -> JSONValue {
        let params: JSONValue
        switch method {
        case .createReservation: params = schema.schema(of: CreateReservationRequest.self)
        case .getReservation: params = schema.schema(of: GetReservationByIDRequest.self)
        case .updateReservation: params = schema.schema(of: UpdateReservationRequest.self)
        case .deleteReservation: params = schema.schema(of: DeleteReservationByIDRequest.self)
        case .searchReservations: params = schema.schema(of: SearchReservationsRequest.self)
        case .createParty: params = schema.schema(of: CreatePartyRequest.self)
        case .getParty: params = schema.schema(of: GetPartyByIDRequest.self)
        case .updateParty: params = schema.schema(of: UpdatePartyRequest.self)
        case .deleteParty: params = schema.schema(of: DeletePartyByIDRequest.self)
        case .searchParties: params = schema.schema(of: SearchPartiesRequest.self)
        case .searchTables: params = schema.schema(of: SearchTablesRequest.self)
        case .listAreas: params = schema.schema(of: ListAreasRequest.self)
        case .getOrder: params = schema.schema(of: GetOrderByIDRequest.self)
        case .searchOrders: params = schema.schema(of: SearchOrdersRequest.self)
        case .handleEvent: params = schema.schema(of: HandleEventRequest.self)
        }
        let result: JSONValue
        switch method {
        case .createReservation, .updateReservation, .getReservation: result = schema.schema(of: Reservation.self)
        case .createParty, .updateParty, .getParty: result = schema.schema(of: Party.self)
        case .searchReservations: result = schema.schema(of: Page<Reservation>.self)
        case .searchParties: result = schema.schema(of: Page<Party>.self)
        case .searchTables: result = schema.schema(of: Page<Table>.self)
        case .listAreas: result = schema.schema(of: [Area].self)
        case .getOrder: result = schema.schema(of: Order.self)
        case .searchOrders: result = schema.schema(of: Page<Order>.self)
        case .deleteReservation, .deleteParty, .handleEvent: result = emptyObject
        }
        return self.method(
            method.wireName,
            summary: "Dojo → POS. Capabilities: \(method.capabilities.map(\.name).joined(separator: ", ")).",
            params: params,
            result: result,
            schema: schema
        )
    }

    /// One OpenRPC method: by-name params from the params object's properties, plus `x-params-schema`.
    private static func method(
        _ name: String,
        summary: String,
        params: JSONValue?,
        result: JSONValue,
        schema: WireSchema
    ) -> JSONValue {
        var descriptors: [JSONValue] = []
        if let params {
            let object = resolved(params, in: schema)
            let required = Set(object["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            let properties = object["properties"]?.objectValue ?? [:]
            for key in properties.keys.sorted() {
                descriptors.append([
                    "name": .string(key),
                    "required": .bool(required.contains(key)),
                    "schema": properties[key] ?? emptyObject,
                ])
            }
        }
        return [
            "name": .string(name),
            "summary": .string(summary),
            "paramStructure": "by-name",
            "params": .array(descriptors),
            "result": ["name": "result", "schema": result],
            "x-params-schema": params ?? emptyObject,
        ]
    }

    /// The definition a `$ref` names, or the schema itself.
    private static func resolved(_ schema: JSONValue, in definitions: WireSchema) -> JSONValue {
        guard let reference = schema["$ref"]?.stringValue, reference.hasPrefix(referencePrefix) else { return schema }
        return definitions.definitions[String(reference.dropFirst(referencePrefix.count))] ?? schema
    }

    private static func document(
        title: String,
        description: String,
        methods: [JSONValue],
        schema: WireSchema
    ) -> JSONValue {
        [
            "openrpc": "1.3.2",
            "info": ["title": .string(title), "description": .string(description), "version": "1"],
            "methods": .array(methods),
            "components": ["schemas": .object(schema.definitions)],
            "x-json-schema-dialect": "https://json-schema.org/draft/2020-12/schema",
        ]
    }

    /// The document as committed: keys sorted, two-space indentation, a final newline.
    public static func rendered(_ document: JSONValue) -> String {
        var text = ""
        render(document, indent: "", into: &text)
        return text + "\n"
    }

    private static func render(_ value: JSONValue, indent: String, into text: inout String) {
        let inner = indent + "  "
        switch value {
        case .object(let members) where !members.isEmpty:
            text += "{\n"
            for (offset, key) in members.keys.sorted().enumerated() {
                text += inner + JSONValue.string(key).serialized() + ": "
                render(members[key] ?? .null, indent: inner, into: &text)
                text += offset == members.count - 1 ? "\n" : ",\n"
            }
            text += indent + "}"
        case .array(let elements) where !elements.isEmpty:
            text += "[\n"
            for (offset, element) in elements.enumerated() {
                text += inner
                render(element, indent: inner, into: &text)
                text += offset == elements.count - 1 ? "\n" : ",\n"
            }
            text += indent + "]"
        default:
            text += value.serialized()
        }
    }
}
