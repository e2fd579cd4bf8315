import AgentSupport
import DojoProtocol
import Transport

/// Dojo's requests by method and outcome, with a latency histogram per method: the one record behind
/// `dojo-agent status` ("requests") and the metrics endpoint (`dojo_agent_requests_total`,
/// `dojo_agent_request_duration_seconds`), so the two always agree.
///
/// Recording is on the request path, so it is cheap: one pthread mutex held for a few additions into preallocated
/// arrays, no allocation, no task hop. The method and outcome sets are fixed (a method Dojo sends that the agent
/// does not know counts as `other`), so a peer cannot grow the table or the metrics' label sets.
public final class RequestStatistics: Sendable {
    /// The methods counted, by wire name; the last, `other`, collects any method name the agent does not implement.
    public static let methods: [String] = DojoMethod.allCases.map(\.wireName) + ["other"]
    /// The outcomes counted: `ok`, a Dojo error type sent back, `timeout` (answered `UnexpectedError` at
    /// `session.request_timeout`), or `other` (an error type outside Dojo's documented four).
    public static let outcomes: [String] = [
        "ok", "NotFound", "InvalidRequest", "Conflict", "UnexpectedError", "timeout", "other",
    ]
    /// The histogram's bucket upper bounds, in seconds (a last `+Inf` bucket follows): roughly three per decade
    /// from 100 µs (an in-memory POS) to 10 s (the default request deadline).
    public static let bucketBounds: [Double] = [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    private static let methodIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: methods.enumerated().map { ($0.element, $0.offset) }
    )
    private static let boundNanoseconds: [Int64] = bucketBounds.map { Int64(($0 * 1e9).rounded()) }
    private static let bucketCount = bucketBounds.count + 1

    /// Flat tables, indexed `method * outcomes.count + outcome` and `method * bucketCount + bucket`.
    private struct Table {
        var outcomes = [UInt64](repeating: 0, count: RequestStatistics.methods.count * RequestStatistics.outcomes.count)
        var buckets = [UInt64](repeating: 0, count: RequestStatistics.methods.count * RequestStatistics.bucketCount)
        var nanoseconds = [UInt64](repeating: 0, count: RequestStatistics.methods.count)
    }

    private let table = PThreadLock(Table())

    public init() {}

    /// Counts one answered request. `outcome` is `ok`, the Dojo error type sent, or `timeout`.
    public func record(method: String, outcome: String, duration: Duration) {
        let row = Self.methodIndex[method] ?? Self.methods.count - 1
        let column = Self.outcomeIndex(outcome)
        let components = duration.components
        let nanoseconds = max(0, components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000)
        var bucket = 0
        while bucket < Self.boundNanoseconds.count, nanoseconds > Self.boundNanoseconds[bucket] { bucket += 1 }
        self.table.withLock { table in
            table.outcomes[row * Self.outcomes.count + column] &+= 1
            table.buckets[row * Self.bucketCount + bucket] &+= 1
            table.nanoseconds[row] &+= UInt64(nanoseconds)
        }
    }

    private static func outcomeIndex(_ outcome: String) -> Int {
        for index in 0..<outcomes.count - 1 where outcomes[index] == outcome { return index }
        return outcomes.count - 1
    }

    /// One method's figures.
    public struct Method: Sendable, Equatable {
        /// The wire name (or `other`).
        public var name: String
        /// Requests answered, by outcome (only outcomes seen), in ``RequestStatistics/outcomes`` order.
        public var outcomes: [(outcome: String, count: UInt64)]
        /// Per bucket (not cumulative), ``RequestStatistics/bucketBounds`` then `+Inf`.
        public var buckets: [UInt64]
        /// The sum of all durations, in seconds.
        public var totalSeconds: Double

        /// Requests answered.
        public var count: UInt64 { self.outcomes.reduce(0) { $0 + $1.count } }
        /// Requests answered with an error (anything but `ok`).
        public var errors: UInt64 { self.outcomes.filter { $0.outcome != "ok" }.reduce(0) { $0 + $1.count } }

        /// The `q` quantile (0…1) of the durations in seconds, estimated as Prometheus' `histogram_quantile` does:
        /// linear within the bucket the rank falls in. A rank in the `+Inf` bucket returns the last finite bound
        /// (the true value is larger). Nil when nothing was counted.
        public func quantile(_ q: Double) -> Double? {
            let total = self.buckets.reduce(0, +)
            guard total > 0 else { return nil }
            let rank = q * Double(total)
            var below: UInt64 = 0
            for (index, count) in self.buckets.enumerated() {
                if count > 0, Double(below + count) >= rank {
                    guard index < RequestStatistics.bucketBounds.count else {
                        return RequestStatistics.bucketBounds.last
                    }
                    let lower = index == 0 ? 0 : RequestStatistics.bucketBounds[index - 1]
                    let upper = RequestStatistics.bucketBounds[index]
                    return lower + (upper - lower) * max(0, rank - Double(below)) / Double(count)
                }
                below += count
            }
            return RequestStatistics.bucketBounds.last
        }

        public static func == (lhs: Method, rhs: Method) -> Bool {
            lhs.name == rhs.name && lhs.buckets == rhs.buckets && lhs.totalSeconds == rhs.totalSeconds
                && lhs.outcomes.map(\.outcome) == rhs.outcomes.map(\.outcome)
                && lhs.outcomes.map(\.count) == rhs.outcomes.map(\.count)
        }
    }

    /// The methods that have answered at least one request, in ``methods`` order.
    public var snapshot: [Method] {
        let table = self.table.withLock { $0 }
        return Self.methods.indices.compactMap { row in
            let outcomes = Self.outcomes.indices.compactMap { column -> (String, UInt64)? in
                let count = table.outcomes[row * Self.outcomes.count + column]
                return count == 0 ? nil : (Self.outcomes[column], count)
            }
            guard !outcomes.isEmpty else { return nil }
            return Method(
                name: Self.methods[row],
                outcomes: outcomes,
                buckets: Array(table.buckets[row * Self.bucketCount..<(row + 1) * Self.bucketCount]),
                totalSeconds: Double(table.nanoseconds[row]) / 1e9
            )
        }
    }
}
