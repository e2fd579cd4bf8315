public import DojoProtocol

/// An error a POS adapter throws to choose how Dojo sees a failure.
///
/// Each error maps to one Dojo `errorType`, and its message becomes the `debugMessage` Dojo receives, so write
/// it for the integration's developers and keep secrets and internals out of it. Errors of any other type
/// reach Dojo only as a generic `UnexpectedError` (see ``DojoProtocol/DojoError/from(_:)``).
///
/// | Factory | Dojo `errorType` | When |
/// |---|---|---|
/// | ``notFound(_:)`` | `NotFound` | the entity does not exist (Dojo assumes it was deleted) |
/// | ``invalidRequest(_:)`` | `InvalidRequest` | the request refers to something invalid (unknown table) |
/// | ``conflict(_:)`` | `Conflict` | the POS state forbids it now (table occupied, order locked) |
/// | ``unavailable(_:)`` | `UnexpectedError` | the POS cannot serve requests right now |
/// | ``notImplemented(_:)`` | `UnexpectedError` | the adapter does not implement the method |
public struct AdapterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure; a struct over a private enum so kinds can be added without breaking adapters.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notFound
            case invalidRequest
            case conflict
            case unavailable
            case notImplemented
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The entity does not exist.
        public static let notFound = Code(.notFound)
        /// The request is invalid for this POS.
        public static let invalidRequest = Code(.invalidRequest)
        /// The request conflicts with the POS's state.
        public static let conflict = Code(.conflict)
        /// The POS is temporarily unable to serve.
        public static let unavailable = Code(.unavailable)
        /// The adapter does not implement the method.
        public static let notImplemented = Code(.notImplemented)

        /// The Dojo `errorType` this code maps to.
        public var errorType: DojoErrorType {
            switch base {
            case .notFound: .notFound
            case .invalidRequest: .invalidRequest
            case .conflict: .conflict
            case .unavailable, .notImplemented: .unexpectedError
            }
        }

        /// The code's name.
        public var description: String {
            switch base {
            case .notFound: "notFound"
            case .invalidRequest: "invalidRequest"
            case .conflict: "conflict"
            case .unavailable: "unavailable"
            case .notImplemented: "notImplemented"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// The message sent to Dojo as `debugMessage`.
    public let message: String
    /// A POS-side trace id sent as `traceId`, to find the matching log lines.
    public var traceID: String?

    private init(code: Code, message: String) {
        self.code = code
        self.message = message
    }

    /// The entity does not exist; maps to `NotFound`.
    public static func notFound(_ message: String) -> AdapterError {
        AdapterError(code: .notFound, message: message)
    }

    /// The request is invalid for this POS; maps to `InvalidRequest`.
    public static func invalidRequest(_ message: String) -> AdapterError {
        AdapterError(code: .invalidRequest, message: message)
    }

    /// The request conflicts with the POS's state; maps to `Conflict`.
    public static func conflict(_ message: String) -> AdapterError {
        AdapterError(code: .conflict, message: message)
    }

    /// The POS cannot serve requests right now; maps to `UnexpectedError`.
    public static func unavailable(_ message: String) -> AdapterError {
        AdapterError(code: .unavailable, message: message)
    }

    /// The adapter does not implement `method`; maps to `UnexpectedError`.
    public static func notImplemented(_ method: DojoMethod) -> AdapterError {
        AdapterError(code: .notImplemented, message: "\(method.wireName) is not implemented by this POS")
    }

    /// The refusal for a request outside the adapter's capabilities (names the event type for `HandleEventV1`).
    static func notImplemented(for request: DojoRequest) -> AdapterError {
        if case .handleEvent(let event) = request {
            return AdapterError(
                code: .notImplemented,
                message: "HandleEventV1 for event \"\(event.event.rawValue)\" is not implemented by this POS"
            )
        }
        return .notImplemented(request.method)
    }

    /// A copy carrying a trace id.
    public func withTraceID(_ traceID: String) -> AdapterError {
        var copy = self
        copy.traceID = traceID
        return copy
    }

    /// `code: message`.
    public var description: String { "\(code): \(message)" }
}

extension AdapterError: DojoErrorConvertible {
    /// The wire error: the code's `errorType`, the message, the trace id.
    public var dojoError: DojoError {
        DojoError(errorType: code.errorType, debugMessage: message, traceID: traceID)
    }
}
