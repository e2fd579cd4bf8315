/// The typed `params` of one Dojo method.
///
/// Each conformer mirrors the spec's request schema with its `headers`; decoding validates every field and
/// names the offending path in its error.
public protocol DojoMethodRequest: JSONRepresentable {
    /// The method whose params this is.
    static var method: DojoMethod { get }
    /// Who is asking.
    var headers: RequestHeaders { get }
    /// The entities this request touches, for per-entity ordering (see ``EntityKey``).
    var entityKeys: [EntityKey] { get }
}
