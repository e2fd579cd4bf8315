import DojoProtocol
import DojoSimulator
import Foundation
import Synchronization

/// Dojo's side of the inbound requests of a chaos run: every `CreatePartyV1` sent, what came back, and the
/// retries Dojo makes of the ones whose answer was lost with the link. At the end the POS is searched: each
/// party must exist exactly once (no duplicate side effect), whatever the faults did to the requests.
final class PartyLedger: Sendable {
    struct Outcome: Sendable {
        var sent = 0
        var answered = 0
        var lostWithLink = 0
        var retried = 0
        var wrongAnswers: [String] = []
        var unansweredOnLiveLink: [String] = []
    }

    private struct Entry: Sendable {
        var name: String
        var requestID: RequestID
        var posID: String?
    }

    let run: String
    private let entries = Mutex<[String: Entry]>([:])
    private let tally = Mutex(Outcome())
    private let table = Mutex<String?>(nil)
    private let counter = Mutex(0)

    init(run: String) { self.run = run }

    var outcome: Outcome { tally.withLock { $0 } }

    /// Reads a table id from the POS (once): the parties are seated there.
    func prepare(_ simulator: DojoSimulator) async throws {
        if table.withLock({ $0 }) != nil { return }
        let response = try await simulator.call(.searchTables(SearchTablesRequest(cursor: Cursor(limit: 1))))
        guard case .result(let json) = response.outcome,
            case .tables(let page) = try DojoResult(json: json, for: .searchTables),
            let first = page.data.first
        else { throw ChaosFailure("the POS has no table to seat parties at: \(response.encoded())") }
        table.withLock { $0 = first.id }
    }

    private func request(for dojoPartyID: String, name: String) -> DojoRequest {
        let tableID = table.withLock { $0 } ?? "t1"
        return .createParty(
            CreatePartyRequest(
                dojoPartyID: dojoPartyID,
                startTime: Timestamp(millisecondsSince1970: 1_800_000_000_000),
                tableIDs: [tableID],
                name: name,
                covers: 2
            )
        )
    }

    /// Sends one new create and records its fate. `liveLink` says, once the answer failed to come, whether the
    /// link was meant to be up all along (a timeout then is a request left unanswered on a live link).
    func sendNew(_ simulator: DojoSimulator, timeout: Duration, liveLink: @escaping @Sendable () -> Bool) async {
        let number = counter.withLock { value -> Int in
            value += 1
            return value
        }
        let dojoPartyID = "chaos-\(run)-\(number)"
        let name = "Chaos \(run) #\(number)"
        let requestID = RequestID(UUID().uuidString.lowercased())
        entries.withLock { $0[dojoPartyID] = Entry(name: name, requestID: requestID) }
        tally.withLock { $0.sent += 1 }
        await self.exchange(simulator, dojoPartyID: dojoPartyID, timeout: timeout, liveLink: liveLink)
    }

    private func exchange(
        _ simulator: DojoSimulator,
        dojoPartyID: String,
        timeout: Duration,
        liveLink: @escaping @Sendable () -> Bool
    ) async {
        guard let entry = entries.withLock({ $0[dojoPartyID] }) else { return }
        var options = CallOptions()
        options.id = entry.requestID
        options.timeout = timeout
        do {
            let exchange = try await simulator.exchange(request(for: dojoPartyID, name: entry.name), options: options)
            guard let response = exchange.response else {
                tally.withLock { $0.lostWithLink += 1 }
                return
            }
            self.check(response, dojoPartyID: dojoPartyID, entry: entry)
        } catch let error as SimulatorError where error.code == .timedOut {
            if liveLink() {
                tally.withLock { $0.unansweredOnLiveLink.append("\(dojoPartyID): \(error)") }
            } else {
                tally.withLock { $0.lostWithLink += 1 }
            }
        } catch {
            tally.withLock { $0.lostWithLink += 1 }
        }
    }

    private func check(_ response: ResponseFrame, dojoPartyID: String, entry: Entry) {
        guard case .result(let json) = response.outcome,
            case .party(let party) = try? DojoResult(json: json, for: .createParty), party.name == entry.name
        else {
            tally.withLock { $0.wrongAnswers.append("\(dojoPartyID): \(response.encoded().prefix(300))") }
            return
        }
        let consistent = entries.withLock { entries -> Bool in
            if let known = entries[dojoPartyID]?.posID { return known == party.id }
            entries[dojoPartyID]?.posID = party.id
            return true
        }
        tally.withLock { $0.answered += 1 }
        if !consistent {
            tally.withLock {
                $0.wrongAnswers.append("\(dojoPartyID): a retry created \(party.id), not the party first created")
            }
        }
    }

    /// Dojo retries every create whose answer it never got (same request id, same dojoPartyId), and one it did
    /// get, until each is answered: on a live link now, so any timeout is a failure.
    func retryUnanswered(_ simulator: DojoSimulator, timeout: Duration) async {
        let pending = entries.withLock { entries in entries.filter { $0.value.posID == nil }.map(\.key) }
        let answered = entries.withLock { entries in entries.first { $0.value.posID != nil }?.key }
        for dojoPartyID in pending + (answered.map { [$0] } ?? []) {
            tally.withLock { $0.retried += 1 }
            await self.exchange(simulator, dojoPartyID: dojoPartyID, timeout: timeout) { true }
        }
    }

    /// Searches every current party in the POS and checks each create of this ledger left exactly one.
    func verifyPOS(_ simulator: DojoSimulator) async throws -> (parties: Int, duplicates: [String], missing: [String]) {
        var names: [String: Int] = [:]
        var after: String?
        for _ in 0..<1000 {
            let request = SearchPartiesRequest(cursor: Cursor(limit: 100, after: after))
            let response = try await simulator.call(.searchParties(request), timeout: .seconds(30))
            guard case .result(let json) = response.outcome,
                case .parties(let page) = try DojoResult(json: json, for: .searchParties)
            else { throw ChaosFailure("SearchPartiesV1 failed: \(response.encoded().prefix(300))") }
            for party in page.data { if let name = party.name { names[name, default: 0] += 1 } }
            guard let next = page.after, !page.data.isEmpty else { break }
            after = next
        }
        let ours = entries.withLock { $0 }
        let duplicates = ours.values.compactMap { entry in (names[entry.name] ?? 0) > 1 ? entry.name : nil }
        let missing = ours.values.compactMap { entry in
            entry.posID != nil && names[entry.name] == nil ? entry.name : nil
        }
        return (ours.values.filter { names[$0.name] != nil }.count, duplicates.sorted(), missing.sorted())
    }
}
