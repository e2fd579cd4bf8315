import DemoPOS
import DojoAdapter
import DojoProcessAdapter
import DojoProtocol
import Foundation
import Testing

/// The start-up line names the adapter actually serving Dojo (its `adapterStatus`), not `adapter.kind` of the
/// configuration (which says `demo` for an embedded adapter, since the embedder passes it in code).
struct StartupLineTests {
    struct EmbeddedPOS: POSAdapter {
        var capabilities: Set<Capability> { [.listAreas] }
    }

    @Test func anEmbeddedAdapterIsNamedByItsType() {
        #expect("\(EmbeddedPOS().adapterStatus)" == "embedded EmbeddedPOS")
        #expect(EmbeddedPOS().adapterStatus.isReady)
    }

    @Test func aProcessAdapterIsNamedByItsCommand() {
        let process = ProcessAdapter(
            configuration: ProcessAdapterConfiguration(command: ["/opt/acme/dojo-adapter", "--site", "42"]),
            agentVersion: "test",
            logger: testLogger,
            publish: { _ in }
        )
        #expect("\(process.adapterStatus)" == "process /opt/acme/dojo-adapter")
        #expect(!process.adapterStatus.isReady)
        #expect(process.adapterStatus.restarts == 0)
        #expect(process.adapterStatus.detail == "not started")
    }

    @Test func theDemoPOSIsNamedByItsDatabase() throws {
        let path = try temporaryDirectory() + "/demo.sqlite"
        #expect("\(try DemoPOS(path: path).adapterStatus)" == "demo \(path)")
    }
}
