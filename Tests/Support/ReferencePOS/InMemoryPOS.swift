public import DojoAdapter
public import DojoProtocol
import Synchronization

/// A small, correct Bookings POS held in memory: the adapter the stand-in agent serves the simulator with.
/// Creates are idempotent on the Dojo id, updates replace, party updates keep the reservation link, searches
/// page with an offset cursor, completed parties are listed only with `completedOnly`.
public final class InMemoryPOS: POSAdapter {
    private struct Store {
        var reservations: [String: Reservation] = [:]
        var reservationOrder: [String] = []
        var reservationByDojoID: [String: String] = [:]
        var parties: [String: Party] = [:]
        var partyOrder: [String] = []
        var partyByDojoID: [String: String] = [:]
        var nextID = 1
        var creates = 0
    }

    public static let tables = (1...5).map {
        Table(id: "t\($0)", name: "Table \($0)", maxCovers: 4, areaID: $0 <= 3 ? "a1" : "a2")
    }
    public static let areas = [Area(id: "a1", name: "Downstairs"), Area(id: "a2", name: "Terrace")]

    private let store = Mutex(Store())

    /// An empty POS with the fixed tables and areas.
    public init() {}

    public var capabilities: Set<Capability> {
        [
            .createReservation, .getReservationByID, .updateReservation, .deleteReservationByID, .searchReservations,
            .createParty, .getPartyByID, .updateParty, .deletePartyByID, .searchParties, .searchTables, .listAreas,
        ]
    }

    /// How many creates actually made a new entity.
    public var createCount: Int { store.withLock { $0.creates } }

    public func party(_ id: String) -> Party? { store.withLock { $0.parties[id] } }
    public func reservation(_ id: String) -> Reservation? { store.withLock { $0.reservations[id] } }

    private func checkTables(_ ids: [String]) throws {
        for id in ids where !Self.tables.contains(where: { $0.id == id }) {
            throw AdapterError.invalidRequest("unknown table \(id)")
        }
    }

    public func createReservation(
        _ request: CreateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        try checkTables(request.tableIDs)
        return store.withLock { store in
            if let existing = store.reservationByDojoID[request.dojoReservationID],
                let found = store.reservations[existing]
            {
                return found
            }
            let id = "r-\(store.nextID)"
            store.nextID += 1
            store.creates += 1
            let reservation = Reservation(
                id: id,
                name: request.name,
                covers: request.covers,
                startTime: request.startTime,
                endTime: request.endTime,
                tableIDs: request.tableIDs,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests
            )
            store.reservations[id] = reservation
            store.reservationOrder.append(id)
            store.reservationByDojoID[request.dojoReservationID] = id
            return reservation
        }
    }

    public func updateReservation(
        _ request: UpdateReservationRequest,
        context: RequestContext
    ) async throws -> Reservation {
        try checkTables(request.tableIDs)
        return try store.withLock { store in
            guard store.reservations[request.id] != nil else {
                throw AdapterError.notFound("no reservation \(request.id)")
            }
            let reservation = Reservation(
                id: request.id,
                name: request.name,
                covers: request.covers,
                startTime: request.startTime,
                endTime: request.endTime,
                tableIDs: request.tableIDs,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests
            )
            store.reservations[request.id] = reservation
            return reservation
        }
    }

    public func deleteReservation(_ request: DeleteReservationByIDRequest, context: RequestContext) async throws {
        try store.withLock { store in
            guard store.reservations.removeValue(forKey: request.reservationID) != nil else {
                throw AdapterError.notFound("no reservation \(request.reservationID)")
            }
            store.reservationOrder.removeAll { $0 == request.reservationID }
        }
    }

    public func getReservation(
        _ request: GetReservationByIDRequest,
        context: RequestContext
    ) async throws -> Reservation {
        guard let found = reservation(request.reservationID) else {
            throw AdapterError.notFound("no reservation \(request.reservationID)")
        }
        return found
    }

    public func searchReservations(
        _ request: SearchReservationsRequest,
        context: RequestContext
    ) async throws -> Page<Reservation> {
        let all = store.withLock { store in store.reservationOrder.compactMap { store.reservations[$0] } }
        let matching = all.filter { reservation in
            (request.tableID.map { reservation.tableIDs.contains($0) } ?? true)
                && (request.fromTime.map { reservation.endTime > $0 } ?? true)
                && (request.toTime.map { reservation.startTime < $0 } ?? true)
        }
        return Self.page(matching, cursor: request.cursor)
    }

    public func createParty(_ request: CreatePartyRequest, context: RequestContext) async throws -> Party {
        try checkTables(request.tableIDs)
        return store.withLock { store in
            if let existing = store.partyByDojoID[request.dojoPartyID], let found = store.parties[existing] {
                return found
            }
            let id = "p-\(store.nextID)"
            store.nextID += 1
            store.creates += 1
            let party = Party(
                id: id,
                name: request.name,
                covers: request.covers,
                tableIDs: request.tableIDs,
                status: request.status ?? "Seated",
                startTime: request.startTime,
                expectedEndTime: request.expectedEndTime,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests,
                reservationID: request.reservationID,
                deposit: request.deposit
            )
            store.parties[id] = party
            store.partyOrder.append(id)
            store.partyByDojoID[request.dojoPartyID] = id
            return party
        }
    }

    public func updateParty(_ request: UpdatePartyRequest, context: RequestContext) async throws -> Party {
        try checkTables(request.tableIDs)
        return try store.withLock { store in
            guard let existing = store.parties[request.id] else {
                throw AdapterError.notFound("no party \(request.id)")
            }
            let party = Party(
                id: request.id,
                name: request.name,
                covers: request.covers,
                tableIDs: request.tableIDs,
                status: request.status,
                startTime: request.startTime,
                expectedEndTime: request.expectedEndTime,
                endTime: request.endTime,
                hostNotes: request.hostNotes,
                guestRequests: request.guestRequests,
                reservationID: existing.reservationID,
                deposit: request.deposit
            )
            store.parties[request.id] = party
            return party
        }
    }

    public func deleteParty(_ request: DeletePartyByIDRequest, context: RequestContext) async throws {
        try store.withLock { store in
            guard store.parties.removeValue(forKey: request.partyID) != nil else {
                throw AdapterError.notFound("no party \(request.partyID)")
            }
            store.partyOrder.removeAll { $0 == request.partyID }
        }
    }

    public func getParty(_ request: GetPartyByIDRequest, context: RequestContext) async throws -> Party {
        guard let found = party(request.partyID) else { throw AdapterError.notFound("no party \(request.partyID)") }
        return found
    }

    public func searchParties(_ request: SearchPartiesRequest, context: RequestContext) async throws -> Page<Party> {
        let all = store.withLock { store in store.partyOrder.compactMap { store.parties[$0] } }
        let completed = request.completedOnly ?? false
        let matching = all.filter { party in
            (request.tableID.map { party.tableIDs.contains($0) } ?? true) && ((party.endTime != nil) == completed)
        }
        return Self.page(matching, cursor: request.cursor)
    }

    public func searchTables(_ request: SearchTablesRequest, context: RequestContext) async throws -> Page<Table> {
        Self.page(Self.tables.filter { request.areaID == nil || $0.areaID == request.areaID }, cursor: request.cursor)
    }

    public func listAreas(_ request: ListAreasRequest, context: RequestContext) async throws -> [Area] {
        Self.areas
    }

    /// Offset cursors: `after` is the index of the next element.
    static func page<Element>(_ all: [Element], cursor: Cursor?) -> Page<Element> {
        let limit = cursor?.limit ?? 50
        let start = cursor?.after.flatMap { Int($0) } ?? 0
        let end = min(all.count, start + limit)
        let slice = start < end ? Array(all[start..<end]) : []
        return Page(
            data: slice,
            before: start > 0 ? String(max(0, start - limit)) : nil,
            after: end < all.count ? String(end) : nil
        )
    }
}
