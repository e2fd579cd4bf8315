/// The bound on every identifier Dojo sends (the JSON-RPC `id`, `dojoReservationId`, `dojoPartyId`,
/// `reservationId`, `tableIds[i]` …): at most 256 UTF-8 bytes, the same bound as a ``PosEvent`` entity id.
///
/// Ids are keys: of the replay window, of the entity order, of the agent's id map on disk and of the POS's own
/// rows. An unbounded id would let one frame grow each of them without limit.
public enum IDLimit {
    /// The longest id accepted, in UTF-8 bytes.
    public static let maximumBytes = 256

    /// The reason an id is refused (`is 1048576 bytes long; the maximum is 256`), or `nil` when it is accepted.
    static func problem(_ id: String) -> String? {
        let length = id.utf8.count
        guard length > maximumBytes else { return nil }
        return "is \(length) bytes long; the maximum is \(maximumBytes)"
    }
}
