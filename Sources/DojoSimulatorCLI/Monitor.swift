import DojoProtocol
import DojoSimulator

/// Prints what the simulator sees as it happens (sessions, refused handshakes, registrations, POS events,
/// fetch-backs, failures), one line each, until cancelled.
enum Monitor {
    static func follow(_ simulator: DojoSimulator, print emit: @escaping @Sendable (String) -> Void) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await each(simulator.sessions) { session in
                    emit("agent connected (\(session), path \(session.handshake.path))")
                }
            }
            group.addTask {
                await each(simulator.handshakes) { record in
                    if case .rejected(let status, let reason) = record.outcome {
                        emit("handshake refused with \(status): \(reason)")
                    }
                }
            }
            group.addTask {
                await each(simulator.registrations) { record in
                    if let registration = record.registration {
                        emit(
                            "capabilities registered: \(registration.capabilities.map(\.name).joined(separator: ", "))"
                        )
                    } else {
                        emit("registration refused with \(record.status): \(record.problem ?? "")")
                    }
                }
            }
            group.addTask {
                await each(simulator.events) { event in emit("POST /epos/events \(event)") }
            }
            group.addTask {
                await each(simulator.fetches) { fetch in emit("fetched back: \(fetch)") }
            }
            group.addTask {
                await each(simulator.failures) { failure in emit("FAILURE \(failure)") }
            }
        }
    }

    private static func each<Element: Sendable>(
        _ journal: Journal<Element>,
        _ body: (Element) -> Void
    ) async {
        var next = 0
        while let found = try? await journal.first(from: next, where: { _ in true }) {
            body(found.element)
            next = found.index + 1
        }
    }
}
