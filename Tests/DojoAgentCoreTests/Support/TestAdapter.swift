import DojoAdapter
import DojoProtocol
import DojoSimulator
import Foundation

/// A small in-memory POS for the dispatcher and session tests: it records every call and can hold a call at a
/// gate until the test releases it (to prove ordering and deadlines without sleeping).
final class TestAdapter: POSAdapter, @unchecked Sendable {
    // @unchecked Sendable: all mutable state is behind `lock`.
    private let lock = NSLock()
    private var reservations: [String: Reservation] = [:]
    private var parties: [String: Party] = [:]
    private var nextID = 0
    private var gates: [String: AsyncQueue<Void>] = [:]
    private var hangForever: Set<String> = []
    /// "<method> <entity>" for each call, in the order calls *started*.
    let started = AsyncQueue<String>()
    private(set) var calls: [String] = []
    /// The name of the thread each call started on, in the order of `calls`.
    private(set) var threadNames: [String] = []

    var capabilities: Set<Capability> { Set(Capability.all) }

    /// The next call whose description starts with `prefix` waits until `release(prefix)`.
    func hold(_ prefix: String) {
        self.lock.withLock { self.gates[prefix] = AsyncQueue() }
    }

    func release(_ prefix: String) {
        let gate = self.lock.withLock { self.gates.removeValue(forKey: prefix) }
        gate?.push(())
    }

    /// Calls whose description starts with `prefix` never return (until cancelled).
    func hang(_ prefix: String) {
        _ = self.lock.withLock { self.hangForever.insert(prefix) }
    }

    /// Calls whose description starts with `prefix` return normally again.
    func unhang(_ prefix: String) {
        _ = self.lock.withLock { self.hangForever.remove(prefix) }
    }

    var callCount: Int { self.lock.withLock { self.calls.count } }

    private func enter(_ call: String) async throws {
        let threadName = currentThreadName()
        let (gate, hangs) = self.lock.withLock { () -> (AsyncQueue<Void>?, Bool) in
            self.calls.append(call)
            self.threadNames.append(threadName)
            let gate = self.gates.first { call.hasPrefix($0.key) }?.value
            return (gate, self.hangForever.contains { call.hasPrefix($0) })
        }
        self.started.push(call)
        if let gate { _ = await gate.next() }
        if hangs {
            while true { try await Task.sleep(for: .seconds(3600)) }
        }
    }

    private func makeID(_ prefix: String) -> String {
        self.lock.withLock {
            self.nextID += 1
            return "\(prefix)-\(self.nextID)"
        }
    }

    func createReservation(_ request: CreateReservationRequest, context: RequestContext) async throws -> Reservation {
        try await self.enter("create-reservation \(request.dojoReservationID)")
        let reservation = Reservation(
            id: self.makeID("res"),
            name: request.name,
            covers: request.covers,
            startTime: request.startTime,
            endTime: request.endTime,
            tableIDs: request.tableIDs
        )
        self.lock.withLock { self.reservations[reservation.id] = reservation }
        return reservation
    }

    func updateReservation(_ request: UpdateReservationRequest, context: RequestContext) async throws -> Reservation {
        try await self.enter("update-reservation \(request.id)")
        let reservation = Reservation(
            id: request.id,
            name: request.name,
            covers: request.covers,
            startTime: request.startTime,
            endTime: request.endTime,
            tableIDs: request.tableIDs
        )
        return try self.lock.withLock {
            guard self.reservations[request.id] != nil else {
                throw AdapterError.notFound("no reservation \(request.id)")
            }
            self.reservations[request.id] = reservation
            return reservation
        }
    }

    func getReservation(_ request: GetReservationByIDRequest, context: RequestContext) async throws -> Reservation {
        try await self.enter("get-reservation \(request.reservationID)")
        return try self.lock.withLock {
            guard let reservation = self.reservations[request.reservationID] else {
                throw AdapterError.notFound("no reservation \(request.reservationID)")
            }
            return reservation
        }
    }

    func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        try await self.enter("delete-reservation \(request.reservationID)")
        try self.lock.withLock {
            guard self.reservations.removeValue(forKey: request.reservationID) != nil else {
                throw AdapterError.notFound("no reservation \(request.reservationID)")
            }
        }
    }

    func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
        try await self.enter("search-tables")
        return Page(data: [Table(id: "t1", name: "Table 1")])
    }

    func handleEvent(_ request: HandleEventRequest, context: RequestContext) async throws {
        try await self.enter("handle-event \(request.id)")
    }

    func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        try await self.enter("create-party \(request.dojoPartyID)")
        let party = Party(
            id: self.makeID("party"),
            tableIDs: request.tableIDs,
            status: request.status ?? "Seated",
            startTime: request.startTime
        )
        self.lock.withLock { self.parties[party.id] = party }
        return party
    }

    func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        try await self.enter("get-party \(request.partyID)")
        return try self.lock.withLock {
            guard let party = self.parties[request.partyID] else {
                throw AdapterError.notFound("no party \(request.partyID)")
            }
            return party
        }
    }

    func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        try await self.enter("list-areas")
        struct VendorSecret: Error {}
        throw VendorSecret()
    }
}

/// The kernel's name of the calling thread (what `ps -L` shows), from `/proc/thread-self/comm`.
private func currentThreadName() -> String {
    let data = FileHandle(forReadingAtPath: "/proc/thread-self/comm")?.readDataToEndOfFile() ?? Data()
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
}
