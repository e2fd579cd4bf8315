/// Why a request to an out-of-process adapter failed on the agent's side of the pipe.
///
/// These are local failures (the process crashed, hung, is restarting, answered nonsense), so they do not choose a
/// wire form: Dojo sees a generic `UnexpectedError` and the description goes to the local log only. Errors the
/// process itself reports with a `data.errorType` become ``DojoAdapter/AdapterError``s instead (see
/// `Docs/adapter-protocol.md`).
public struct ProcessAdapterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case notReady
            case processExited
            case hung
            case invalidResponse
            case failedInProcess
            case shuttingDown
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// No initialised process could take the request within the ready timeout.
        public static let notReady = Code(.notReady)
        /// The process exited (or was killed) while the request was pending.
        public static let processExited = Code(.processExited)
        /// The request stayed unanswered past the hang timeout; the process is being restarted.
        public static let hung = Code(.hung)
        /// The process answered with something that is not a valid result for the method.
        public static let invalidResponse = Code(.invalidResponse)
        /// The process answered with an error that named no Dojo `errorType` (an internal error of the adapter).
        public static let failedInProcess = Code(.failedInProcess)
        /// The agent is shutting down the adapter.
        public static let shuttingDown = Code(.shuttingDown)

        /// The code's name.
        public var description: String {
            switch base {
            case .notReady: "notReady"
            case .processExited: "processExited"
            case .hung: "hung"
            case .invalidResponse: "invalidResponse"
            case .failedInProcess: "failedInProcess"
            case .shuttingDown: "shuttingDown"
            }
        }
    }

    /// The kind of failure.
    public let code: Code
    /// What happened, naming the method and the process's state.
    public let message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `adapter process: <message>`.
    public var description: String { "adapter process: \(message)" }
}
