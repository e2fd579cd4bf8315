import DojoProtocol
import Foundation
import Testing

/// The repository root.
private let checkoutRoot = URL(fileURLWithPath: scenariosDirectory).deletingLastPathComponent().path

/// Runs `scripts/contract-validate ARGUMENTS` (python-jsonschema over Docs/contract) and returns its status and
/// output.
private func validate(_ arguments: [String]) async throws -> (status: Int32?, output: String) {
    let directory = try makeTestDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let python = try #require(installed("python3"), "python3 is needed (scripts/bootstrap installs it)")
    let status = try await runToExit(
        python,
        ["\(checkoutRoot)/scripts/contract-validate"] + arguments,
        outputFile: "\(directory)/output.txt"
    )
    return (status, (try? String(contentsOfFile: "\(directory)/output.txt", encoding: .utf8)) ?? "")
}

/// Every message the golden fixtures hold and a conformance run exchanges is valid against the published contract,
/// checked by a real JSON Schema validator; a planted bad message is refused, so the check can fail.
@Suite(.serialized) struct ContractValidationTests {
    @Test func everyGoldenFixtureIsValid() async throws {
        let run = try await validate(["--fixtures", "\(checkoutRoot)/Tests/DojoProtocolTests/Fixtures"])
        #expect(run.status == 0, "\(run.output)")
        #expect(run.output.contains(", 0 invalid"), "\(run.output)")
    }

    @Test func aPlantedBadFixtureIsRefusedNamingTheField() async throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bad =
            #"{"jsonrpc":"2.0","id":"1","method":"CreatePartyV1","params":{"dojoPartyId":"","startTime":"#
            + #""2024-08-12T09:30:00.000Z","tableIds":[]}}"#
        try bad.write(toFile: "\(directory)/CreatePartyV1.request.json", atomically: true, encoding: .utf8)
        let run = try await validate(["--fixtures", directory])
        #expect(run.status == 1, "\(run.output)")
        #expect(run.output.contains("dojoPartyId"), "\(run.output)")
        #expect(run.output.contains("tableIds"), "\(run.output)")
    }

    @Test func everyMessageOfAConformanceRunIsValid() async throws {
        let directory = try makeTestDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let record = "\(directory)/exchange.log"
        let check = try await selfCheck([
            "--adapter-command",
            "python3 scripts/contract-record \(record) -- python3 Examples/python-adapter/adapter.py",
        ])
        expectEveryCapabilityPassed(check)
        let run = try await validate(["--exchange", record])
        #expect(run.status == 0, "\(run.output)")
        let lines = try String(contentsOfFile: record, encoding: .utf8).split(separator: "\n")
        #expect(lines.contains { $0.hasPrefix("> ") && $0.contains("\"CreateReservationV1\"") })
        #expect(lines.contains { $0.hasPrefix("< ") && $0.contains("\"result\"") })

        // The same exchange with one answer broken: a reservation without its id.
        let planted =
            #"> {"id":900001,"jsonrpc":"2.0","method":"GetReservationByIdV1","params":{"headers":{},"#
            + #""reservationId":"r-1"}}"# + "\n"
            + #"< {"jsonrpc":"2.0","id":900001,"result":{"name":"A","covers":2,"startTime":"#
            + #""2024-08-12T09:30:00.000Z","endTime":"2024-08-12T10:30:00.000Z","tableIds":["t-1"]}}"# + "\n"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: record))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(planted.utf8))
        try handle.close()
        let broken = try await validate(["--exchange", record])
        #expect(broken.status == 1, "\(broken.output)")
        #expect(broken.output.contains("'id' is a required property"), "\(broken.output)")
    }
}
