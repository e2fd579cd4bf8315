/// An identifier of one entity a request reads or writes, used to run requests about the same entity in the
/// order they arrived while unrelated requests run concurrently.
///
/// A request exposes every identifier it carries (``DojoRequest/entityKeys``). The ordering rule: **two
/// requests are serialised when their key sets intersect**. That orders an `UpdateReservationV1` (keys: POS id
/// and Dojo id) after its `CreateReservationV1` (key: Dojo id only, since the POS id does not exist yet) and
/// before a later `DeleteReservationByIdV1` (key: POS id). A `CreatePartyV1` for a seated reservation also
/// carries the reservation's keys, so it is ordered with updates of that reservation. Searches carry no key.
public enum EntityKey: Hashable, Sendable, CustomStringConvertible {
    /// A reservation by the POS's id.
    case reservation(String)
    /// A reservation by Dojo's `dojoReservationId`.
    case dojoReservation(String)
    /// A party by the POS's id.
    case party(String)
    /// A party by Dojo's `dojoPartyId`.
    case dojoParty(String)
    /// An order by the POS's id.
    case order(String)
    /// A Dojo payment intent (events about one intent are handled in order).
    case paymentIntent(String)

    /// `kind:id`, for logs.
    public var description: String {
        switch self {
        case .reservation(let id): "reservation:\(id)"
        case .dojoReservation(let id): "dojoReservation:\(id)"
        case .party(let id): "party:\(id)"
        case .dojoParty(let id): "dojoParty:\(id)"
        case .order(let id): "order:\(id)"
        case .paymentIntent(let id): "paymentIntent:\(id)"
        }
    }
}
