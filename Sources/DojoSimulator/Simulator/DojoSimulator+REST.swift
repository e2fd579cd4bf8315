import DojoProtocol
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// The Dojo API endpoints the agent calls: `POST /epos/events` and `PUT /epos/integrations/ws`, validated
/// exactly (headers, body shape), recorded, and answered as Dojo documents (200 echoing the body for events; the
/// registered set with timestamps for registration). After an accepted event the entity is fetched back.
extension DojoSimulator {
    private static let maximumBodySize = 1 << 20

    func installRoutes(on router: Router<BasicRequestContext>) {
        router.post("/epos/events") { request, _ in
            await self.receiveEvent(request)
        }
        router.put("/epos/integrations/ws") { request, _ in
            await self.receiveRegistration(request)
        }
    }

    // MARK: - POST /epos/events

    private func receiveEvent(_ request: Request) async -> Response {
        let body: String
        switch await self.delayedBody(of: request) {
        case .text(let text): body = text
        case .tooLarge:
            return self.refuseEvent(body: "", status: 413, problem: "the body is larger than 1 MiB", version: nil)
        case .abandoned(let error): return self.abandoned(request, error)
        }
        let version = request.headers[HTTPField.Name("version")!]
        if let problem = self.restHeaderProblem(request, json: true) {
            return self.refuseEvent(body: body, status: problem.status, problem: problem.reason, version: version)
        }
        let event: PosEvent
        do {
            event = try Self.decodeEventExactly(body)
        } catch {
            return self.refuseEvent(body: body, status: 400, problem: error.message, version: version)
        }
        let injected: EventResponse? = self.state.withLockedValue { state in
            state.faults.eventResponses.isEmpty ? nil : state.faults.eventResponses.removeFirst()
        }
        if let injected {
            self.events.append(
                RecordedEvent(
                    event: event,
                    body: body,
                    status: injected.status,
                    problem: nil,
                    injected: true,
                    version: version
                )
            )
            var headers: HTTPFields = [.contentType: "application/problem+json"]
            if let retryAfter = injected.retryAfter { headers[.retryAfter] = String(retryAfter) }
            return Response(
                status: .init(code: injected.status),
                headers: headers,
                body: .init(
                    byteBuffer: ByteBuffer(
                        string: Self.problemJSON(status: injected.status, detail: "injected by dojo-sim")
                    )
                )
            )
        }
        self.events.append(
            RecordedEvent(event: event, body: body, status: 200, problem: nil, injected: false, version: version)
        )
        self.logger.info("sim.event.accepted", metadata: ["sim.event": "\(event)"])
        if configuration.fetchAfterEvents { self.fetchQueue.push(event) }
        // Dojo answers 200 with the request echoed.
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: event.body))
        )
    }

    private func refuseEvent(body: String, status: Int, problem: String, version: String?) -> Response {
        self.events.append(
            RecordedEvent(event: nil, body: body, status: status, problem: problem, injected: false, version: version)
        )
        self.record(SimulatorFailure(session: nil, message: "POST /epos/events refused with \(status): \(problem)"))
        return Response(
            status: .init(code: status),
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(string: Self.problemJSON(status: status, detail: problem)))
        )
    }

    /// Decodes an event body and refuses anything beyond `{eventType, event: {<idKey>}}`: the agent must send
    /// exactly what Dojo documents.
    static func decodeEventExactly(_ body: String) throws(DojoProtocolError) -> PosEvent {
        let json = try JSONValue(parsing: body)
        let event = try PosEvent(json: json, path: "body")
        let topKeys = Set(json.objectValue?.keys.map { $0 } ?? [])
        if topKeys != ["eventType", "event"] {
            let extra = topKeys.subtracting(["eventType", "event"]).sorted().joined(separator: ", ")
            throw DojoProtocolError(code: .invalidParams, fieldPath: "body", reason: "unexpected members: \(extra)")
        }
        let eventKeys = Set(json["event"]?.objectValue?.keys.map { $0 } ?? [])
        if eventKeys != [event.type.idKey] {
            let extra = eventKeys.subtracting([event.type.idKey]).sorted().joined(separator: ", ")
            throw DojoProtocolError(
                code: .invalidParams,
                fieldPath: "body.event",
                reason: "unexpected members for \(event.type.rawValue): \(extra)"
            )
        }
        return event
    }

    // MARK: - PUT /epos/integrations/ws

    private func receiveRegistration(_ request: Request) async -> Response {
        let body: String
        switch await self.delayedBody(of: request) {
        case .text(let text): body = text
        case .tooLarge: return self.refuseRegistration(status: 413, problem: "the body is larger than 1 MiB")
        case .abandoned(let error): return self.abandoned(request, error)
        }
        if let problem = self.restHeaderProblem(request, json: true) {
            return self.refuseRegistration(status: problem.status, problem: problem.reason)
        }
        let registration: CapabilityRegistration
        do {
            registration = try CapabilityRegistration(json: try JSONValue(parsing: body), path: "body")
        } catch {
            return self.refuseRegistration(status: 400, problem: error.message)
        }
        self.registrations.append(RegistrationRecord(registration: registration, status: 200, problem: nil))
        self.logger.info(
            "sim.registration.accepted",
            metadata: ["sim.capabilities": "\(registration.capabilities.map(\.name).joined(separator: ","))"]
        )
        let now = Self.now().iso8601String
        let capabilities: JSONValue = .array(
            registration.capabilities.map {
                .object(["name": .string($0.name), "version": .string($0.version), "updatedAt": .string(now)])
            }
        )
        let answer: JSONValue = .array([.object(["capabilities": capabilities, "createdAt": .string(now)])])
        return Response(
            status: .ok,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(string: answer.serialized()))
        )
    }

    private func refuseRegistration(status: Int, problem: String) -> Response {
        self.registrations.append(RegistrationRecord(registration: nil, status: status, problem: problem))
        self.record(
            SimulatorFailure(session: nil, message: "PUT /epos/integrations/ws refused with \(status): \(problem)")
        )
        return Response(
            status: .init(code: status),
            headers: [.contentType: "application/problem+json"],
            body: .init(byteBuffer: ByteBuffer(string: Self.problemJSON(status: status, detail: problem)))
        )
    }

    // MARK: - Shared checks

    /// A request body as the handler could read it.
    private enum RequestBody {
        case text(String)
        /// Larger than ``maximumBodySize``: the client's fault, refused with 413 and recorded as a failure.
        case tooLarge
        /// The body never arrived whole: the client's connection ended mid-request (an agent killed or cut off
        /// while posting, which chaos runs do on purpose). Not the client's protocol fault, and nobody is left to
        /// answer, so it is logged, not recorded as a failure. (A malformed body never reaches a handler: NIO's
        /// HTTP decoder closes the connection first.)
        case abandoned(any Error)
    }

    /// Waits the injected REST delay, then reads the body.
    private func delayedBody(of request: Request) async -> RequestBody {
        let delay = self.state.withLockedValue { $0.faults.eventResponseDelay }
        if delay > .zero { try? await Task.sleep(for: delay) }
        var request = request
        do {
            return .text(String(buffer: try await request.collectBody(upTo: Self.maximumBodySize)))
        } catch is NIOTooManyBytesError {
            return .tooLarge
        } catch {
            return .abandoned(error)
        }
    }

    /// The answer to a request whose body never arrived: logged; the response reaches no one.
    private func abandoned(_ request: Request, _ error: any Error) -> Response {
        self.logger.info(
            "request abandoned before its body arrived",
            metadata: ["http.path": "\(request.uri.path)", "error": "\(error)"]
        )
        return Response(status: .badRequest)
    }

    /// Authorization, software-house-id, version and Content-Type, as the reference documents them.
    private func restHeaderProblem(_ request: Request, json: Bool) -> (status: Int, reason: String)? {
        if let problem = self.credentialProblem(
            path: nil,
            authorization: request.headers[.authorization],
            softwareHouseID: request.headers[HTTPField.Name("software-house-id")!],
            webSocket: false
        ) {
            return problem
        }
        let version = request.headers[HTTPField.Name("version")!]
        guard let version, !version.isEmpty else {
            return (400, "the version header is missing (the Dojo API version, e.g. 2026-02-27)")
        }
        if let expected = configuration.apiVersion, version != expected {
            return (400, "version is \"\(version)\", expected \"\(expected)\"")
        }
        if json {
            let contentType = request.headers[.contentType] ?? ""
            let mediaType = contentType.split(separator: ";").first.map { String($0).trimmingWhitespace().lowercased() }
            if mediaType != "application/json" {
                return (415, "Content-Type is \"\(contentType)\", expected application/json")
            }
        }
        return nil
    }

    /// An RFC 7807 problem body, the shape the Dojo API uses for errors.
    static func problemJSON(status: Int, detail: String) -> String {
        JSONValue.object([
            "type": .string("about:blank"),
            "title": .string(status == 429 ? "Too Many Requests" : status >= 500 ? "Server Error" : "Bad Request"),
            "status": .integer(Int64(status)),
            "detail": .string(detail),
            "traceId": .string("dojo-sim"),
        ])
        .serialized()
    }

    static func now() -> Timestamp {
        Timestamp(millisecondsSince1970: Int64((Date().timeIntervalSince1970 * 1000).rounded()))
    }

    // MARK: - Fetch-back

    /// Takes accepted events one at a time and fetches each entity over the socket, as Dojo does.
    func fetchBackEvents() async {
        while let event = await self.fetchQueue.next() {
            let record = await self.fetch(event)
            self.logger.info("sim.fetch", metadata: ["sim.fetch": "\(record)"])
            if case .failed(let reason) = record.outcome {
                self.record(SimulatorFailure(session: nil, message: "fetching \(event) back failed: \(reason)"))
            }
            self.fetches.append(record)
        }
    }

    private func fetch(_ event: PosEvent) async -> FetchRecord {
        let request: DojoRequest =
            switch event.type {
            case .orderUpdated: .getOrder(GetOrderByIDRequest(orderID: event.entityID))
            case .partyUpdated: .getParty(GetPartyByIDRequest(partyID: event.entityID))
            case .reservationUpdated: .getReservation(GetReservationByIDRequest(reservationID: event.entityID))
            }
        var record = FetchRecord(event: event, method: request.method, response: nil, outcome: .deleted, latency: .zero)
        do {
            let exchange = try await self.exchange(request)
            record.latency = exchange.latency
            record.response = exchange.response
            switch exchange.response?.outcome {
            case .result(let json)?:
                do {
                    record.outcome = .entity(try DojoResult(json: json, for: request.method))
                } catch {
                    record.outcome = .failed("the result is not a valid entity: \(error.message)")
                }
            case .error(let error)? where error.errorType == .notFound:
                record.outcome = .deleted
            case .error(let error)?:
                record.outcome = .failed("answered \(error)")
            case nil:
                record.outcome = .failed("no answer")
            }
        } catch {
            record.outcome = .failed("\(error)")
        }
        return record
    }
}
