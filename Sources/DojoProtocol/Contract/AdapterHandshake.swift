/// The `initialize` params the agent sends an adapter process (`Docs/adapter-protocol.md` §2).
public struct AdapterInitializeParams: JSONRepresentable {
    /// The protocol version the agent speaks (`"1"`).
    public var protocolVersion: String
    /// The agent's name and version.
    public var agent: AdapterPeer

    /// Creates the params.
    public init(protocolVersion: String, agent: AdapterPeer) {
        self.protocolVersion = protocolVersion
        self.agent = agent
    }
}

/// A program's name and version, in the `initialize` exchange.
public struct AdapterPeer: JSONRepresentable {
    /// The name (`dojo-agent`, `acme-pos-adapter`); the agent always sends it, an adapter may leave it out.
    public var name: String?
    /// The version.
    public var version: String?

    /// Creates a name and version.
    public init(name: String?, version: String?) {
        self.name = name
        self.version = version
    }
}

/// The process's answer to `initialize`: its protocol version and the capabilities it serves.
public struct AdapterInitializeResult: JSONRepresentable {
    /// Must be `"1"`.
    public var protocolVersion: String
    /// Capability names (`CreateReservation`, `HandleEvent:payment_intent.created`); unknown names are ignored.
    public var capabilities: [String]
    /// The adapter's name and version, shown in status and logs.
    public var adapter: AdapterPeer?

    /// Creates the result.
    public init(protocolVersion: String, capabilities: [String], adapter: AdapterPeer? = nil) {
        self.protocolVersion = protocolVersion
        self.capabilities = capabilities
        self.adapter = adapter
    }
}
