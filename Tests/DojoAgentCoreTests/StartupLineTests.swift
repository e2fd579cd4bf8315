import DojoAdapter
import DojoProtocol
import Testing

@testable import DojoAgentCore

/// The start-up line names the adapter actually serving Dojo, not `adapter.kind` of the configuration (which says
/// `demo` for an embedded adapter, since the embedder passes it in code).
struct StartupLineTests {
    struct EmbeddedPOS: POSAdapter {
        var capabilities: Set<Capability> { [.listAreas] }
    }

    @Test func anEmbeddedAdapterIsNamedByItsType() {
        #expect(Agent.describe(serving: EmbeddedPOS(), overridden: true) == "embedded EmbeddedPOS")
    }

    @Test func aProcessAdapterIsNamedByItsCommand() {
        let process = ProcessAdapter(
            configuration: ProcessAdapterConfiguration(command: ["/opt/acme/dojo-adapter", "--site", "42"]),
            agentVersion: "test",
            logger: testLogger,
            publish: { _ in }
        )
        #expect(Agent.describe(serving: process, overridden: false) == "process /opt/acme/dojo-adapter")
    }
}
