import DojoProtocol
#if canImport(Glibc)
import Glibc
#endif

// Decodes and re-encodes every golden request and result fixture, from an already-parsed JSONValue tree.
func now() -> UInt64 { var t = timespec(); clock_gettime(CLOCK_MONOTONIC, &t); return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec) }
func read(_ path: String) -> String {
    guard let f = fopen(path, "r") else { fatalError(path) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true { let n = fread(&buffer, 1, buffer.count, f); if n <= 0 { break }; bytes += buffer[0..<n] }
    fclose(f)
    return String(decoding: bytes, as: UTF8.self)
}
let dir = CommandLine.arguments[1]
let requests: [(String, String)] = [
 ("CreateReservationV1","CreateReservationV1.request.json"),("UpdateReservationV1","UpdateReservationV1.request.json"),
 ("DeleteReservationByIdV1","DeleteReservationByIdV1.request.json"),("GetReservationByIdV1","GetReservationByIdV1.request.json"),
 ("SearchReservationsV1","SearchReservationsV1.request.json"),("CreatePartyV1","CreatePartyV1.request.json"),
 ("UpdatePartyV1","UpdatePartyV1.request.json"),("DeletePartyByIdV1","DeletePartyByIdV1.request.json"),
 ("GetPartyByIdV1","GetPartyByIdV1.request.json"),("SearchPartiesV1","SearchPartiesV1.request.json"),
 ("SearchTablesV1","SearchTablesV1.request.json"),("ListAreasV1","ListAreasV1.request.json"),
 ("GetOrderByIdV1","GetOrderByIdV1.request.json"),("HandleEventV1","HandleEventV1.request.json")]
let results: [(DojoMethod, String)] = [(.createReservation,"CreateReservationV1.response.json"),(.searchReservations,"SearchReservationsV1.response.json"),(.createParty,"CreatePartyV1.response.json"),(.searchParties,"SearchPartiesV1.response.json"),(.searchTables,"SearchTablesV1.response.json"),(.listAreas,"ListAreasV1.response.json"),(.getOrder,"GetOrderByIdV1.response.json")]
let params: [(String, JSONValue)] = requests.map { (m, f) in (m, try! JSONValue(parsing: read(dir + "/" + f))["params"] ?? .null) }
let resultJSON: [(DojoMethod, JSONValue)] = results.map { (m, f) in (m, try! JSONValue(parsing: read(dir + "/" + f))["result"]!) }
let decoded = try! params.map { try DojoRequest(method: $0.0, params: $0.1) }
let decodedResults = try! resultJSON.map { try DojoResult(json: $0.1, for: $0.0) }
// The best of many short samples: on a shared machine a sample that no other process interrupted is the
// code's own cost, and short samples make such a sample likely.
func measure(_ name: String, _ rounds: Int, _ perRound: Int, _ body: () -> Int) {
    var best = Double.infinity
    var sink = 0
    let samples = 100
    let perSample = max(1, rounds * 7 / samples)
    for _ in 0..<samples {
        let start = now()
        for _ in 0..<perSample { sink &+= body() }
        let ns = Double(now() - start) / Double(perSample * perRound)
        best = min(best, ns)
    }
    print("\(name): \(Int(best)) ns per message (best of \(samples) samples)\(sink == 42 ? " " : "")")
}
measure("decode requests", 20000, params.count) { var n = 0; for (m, p) in params { n &+= (try! DojoRequest(method: m, params: p)).entityKeys.count }; return n }
measure("encode requests", 20000, decoded.count) { var n = 0; for r in decoded { if case .object(let o) = r.params { n &+= o.count } }; return n }
measure("decode results", 20000, resultJSON.count) { var n = 0; for (m, j) in resultJSON { n &+= (try! DojoResult(json: j, for: m)).matches(m) ? 1 : 0 }; return n }
measure("encode results", 20000, decodedResults.count) { var n = 0; for r in decodedResults { if case .object(let o) = r.jsonValue { n &+= o.count } }; return n }
let bad: JSONValue = ["dojoPartyId": "p", "startTime": "2024-08-12T09:30:00.000Z", "tableIds": [], "headers": [:]]
measure("refuse a bad request", 20000, 1) { (try? DojoRequest(method: "CreatePartyV1", params: bad)) == nil ? 1 : 0 }

// The agent's per-request codec path, end to end from the frame's text: classify the UpdatePartyV1 golden
// frame and decode its params, then answer it with a Party result as the response frame's text.
let updatePartyFrame = read(dir + "/UpdatePartyV1.request.json")
let answerParty: Party = {
    guard case .party(let party) = try! DojoResult(json: resultJSON[2].1, for: .createParty) else { fatalError() }
    return party
}()
let answerID = RequestID("3c2d9b8e-4444-4f5a-8b6c-555555555555")
func decodeFrame() -> Int {
    guard case .request(let rpc) = IncomingMessage(frame: updatePartyFrame) else { fatalError("not a request") }
    return (try! DojoRequest(method: rpc.method, params: rpc.params)).entityKeys.count
}
func encodeAnswer() -> Int {
    ResponseFrame.success(.party(answerParty), id: answerID, method: "UpdatePartyV1").encoded().utf8.count
}
measure("hot path: parse + decode UpdatePartyV1 frame", 20000, 1) { decodeFrame() }
measure("hot path: encode Party response frame", 20000, 1) { encodeAnswer() }
measure("hot path: request frame in, response text out", 20000, 1) { decodeFrame() &+ encodeAnswer() }
