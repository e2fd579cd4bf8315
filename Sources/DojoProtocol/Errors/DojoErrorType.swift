/// The `errorType` of a Dojo EPOS error: an open set of strings.
///
/// Dojo documents four values; modelling them as a ``WireString`` struct rather than an enum means a value Dojo
/// adds later still decodes and round-trips unchanged (house style §3.5, as NIO's `WebSocketErrorCode`).
public struct DojoErrorType: WireString {
    /// The wire string.
    public let rawValue: String

    /// Wraps any wire string, known or not.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    /// The entity does not exist; Dojo then treats it as deleted.
    public static let notFound = DojoErrorType(rawValue: "NotFound")
    /// Anything the POS could not handle that is not the caller's fault.
    public static let unexpectedError = DojoErrorType(rawValue: "UnexpectedError")
    /// The request is malformed or refers to something invalid.
    public static let invalidRequest = DojoErrorType(rawValue: "InvalidRequest")
    /// The request conflicts with the POS's current state (for example a locked order).
    public static let conflict = DojoErrorType(rawValue: "Conflict")
}
