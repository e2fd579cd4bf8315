/// The body of `PUT /epos/integrations/ws`: `{"capabilities":[{"name":"CreateReservation","version":"v1"}, …]}`.
///
/// Built from a set, written in the canonical order of ``Capability/all`` so the same set always gives the same
/// bytes (useful for logs, tests and "has anything changed" checks).
public struct CapabilityRegistration: Hashable, Sendable {
    /// The capabilities, in canonical order, without duplicates.
    public let capabilities: [Capability]

    /// Creates a registration body from any collection of capabilities.
    public init(_ capabilities: some Sequence<Capability>) {
        self.capabilities = Set(capabilities).sorted { $0.canonicalIndex < $1.canonicalIndex }
    }

    /// The JSON text to send.
    public var body: String { jsonValue.serialized() }
}

extension CapabilityRegistration: HandCodedJSON {
    /// `{capabilities: [{name, version}]}` with the known names.
    public static var wireSchema: JSONValue {
        [
            "type": "object",
            "required": ["capabilities"],
            "properties": [
                "capabilities": [
                    "type": "array",
                    "items": [
                        "type": "object",
                        "required": ["name", "version"],
                        "properties": [
                            "name": ["type": "string"],
                            "version": ["const": "v1"],
                        ],
                    ],
                ]
            ],
        ]
    }

    /// No capabilities.
    public static var wireSample: CapabilityRegistration { CapabilityRegistration([]) }

    /// Decodes a registration body (the simulator's side); names must be known (legacy names accepted) and
    /// versions must be `"v1"`.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        let entries = try JSONField.array(try object.requiredValue("capabilities"), at: object.path(of: "capabilities"))
        var capabilities: [Capability] = []
        for (offset, entry) in entries.enumerated() {
            let entryObject = try JSONObjectReader(entry, path: "\(object.path(of: "capabilities"))[\(offset)]")
            let name = try entryObject.requiredString("name")
            guard let capability = Capability(name: name) else {
                throw JSONField.failure(entryObject.path(of: "name"), "unknown capability \(JSONField.excerpt(name))")
            }
            let version = try entryObject.requiredString("version")
            guard version == capability.version else {
                throw JSONField.failure(
                    entryObject.path(of: "version"),
                    "expected \"\(capability.version)\", got \(JSONField.excerpt(version))"
                )
            }
            capabilities.append(capability)
        }
        self.init(capabilities)
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        .object([
            "capabilities": .array(
                capabilities.map { .object(["name": .string($0.name), "version": .string($0.version)]) }
            )
        ])
    }
}
