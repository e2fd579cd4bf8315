import DojoProtocol

/// The control-socket commands this module provides; the composition root puts them (and its own, such as
/// `status`) in the ``ControlServer``'s handler table.
public enum ControlCommands {
    /// `notify`: `{"command":"notify","eventType":"OrderUpdated","id":"42"}` → `{"ok":true}` once the event is
    /// durable in the outbox; `{"ok":false,"error":"…"}` for an unknown type, an empty, oversize or
    /// control-character id, or an outbox failure (disk full…). Nothing is stored for a refused request.
    public static func notify(outbox: Outbox) -> ControlCommandHandler {
        { request in
            guard let typeName = request.fields["eventType"]?.stringValue else {
                return .failure(
                    "notify needs an \"eventType\" string (OrderUpdated, PartyUpdated or ReservationUpdated)"
                )
            }
            guard let id = request.fields["id"]?.stringValue else {
                return .failure("notify needs an \"id\" string")
            }
            let event: PosEvent
            do throws(DojoProtocolError) {
                event = try PosEvent(typeName: typeName, entityID: id)
            } catch {
                return .failure(error.message)
            }
            do throws(OutboxError) {
                try await outbox.publish(event)
            } catch {
                return .failure("the event was not stored: \(error.message)")
            }
            return .success()
        }
    }

    /// `wake`: makes the publisher look at the outbox now (sent by `dojo-agent queue retry` when the agent runs).
    public static func wake(publisher: Publisher) -> ControlCommandHandler {
        { _ in
            publisher.wake()
            return .success()
        }
    }
}
