import DojoProtocol
import Foundation
import Testing

/// The contract documents under `Docs/contract/` are rendered from the types: a change to a wire type that is
/// not followed by `swift run dojo-sim contract` fails here.
@Suite struct ContractDocumentTests {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Docs/contract")

    @Test(arguments: ContractDocuments.all().map(\.file))
    func theCommittedDocumentIsWhatTheTypesProduce(file: String) throws {
        let committed = try String(contentsOf: Self.folder.appendingPathComponent(file), encoding: .utf8)
        let document = try #require(ContractDocuments.all().first { $0.file == file }?.document)
        #expect(
            committed == ContractDocuments.rendered(document),
            "Docs/contract/\(file) is out of date: run `swift run dojo-sim contract`"
        )
    }

    @Test func theFieldRulesReachTheSchema() throws {
        let document = ContractDocuments.eposData()
        let party = try #require(document["components"]?["schemas"]?["CreatePartyRequest"])
        let required = party["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(required == ["dojoPartyId", "startTime", "tableIds"])
        #expect(party["properties"]?["dojoPartyId"] == ["type": "string", "minLength": 1, "maxLength": 256])
        #expect(party["properties"]?["tableIds"]?["minItems"] == 1)
        #expect(party["properties"]?["tableIds"]?["items"]?["maxLength"] == 256)
        #expect(party["properties"]?["covers"] == ["type": "integer", "minimum": 0])
        #expect(party["properties"]?["startTime"] == ["$ref": "#/components/schemas/Timestamp"])
        let cursor = try #require(document["components"]?["schemas"]?["Cursor"])
        #expect(cursor["properties"]?["limit"] == ["type": "integer", "minimum": 1, "maximum": 100])
        #expect(cursor["not"] == ["required": ["before", "after"]])
    }
}
