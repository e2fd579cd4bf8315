import AgentSupport
import Logging

/// The dispatcher's logger for one request: every line carries the request's `rpc.id` and `rpc.method`.
///
/// The keys are merged into a line's metadata only when the line is logged at an enabled level (the metadata is an
/// autoclosure), so a request that logs nothing costs nothing here. Setting them on a `Logger` copy instead would
/// rebuild its handler's metadata dictionary for every request, logged or not.
struct RequestLog: Sendable {
    let base: Logger
    let id: String?
    let method: String?

    init(base: Logger, id: String? = nil, method: String? = nil) {
        self.base = base
        self.id = id
        self.method = method
    }

    /// Logs `message` at `level` with the request's keys added to `metadata`.
    func log(
        _ level: Logger.Level,
        _ message: @autoclosure () -> Logger.Message,
        metadata: @autoclosure () -> Logger.Metadata = [:],
        file: String = #fileID,
        function: String = #function,
        line: UInt = #line
    ) {
        self.base.log(
            level: level,
            message(),
            metadata: {
                var merged = metadata()
                if let id = self.id { merged["rpc.id"] = .quoted(id) }
                if let method = self.method { merged["rpc.method"] = .quoted(method) }
                return merged
            }(),
            file: file,
            function: function,
            line: line
        )
    }
}
