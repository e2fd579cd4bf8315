public import DojoAdapter
public import DojoProtocol

/// Checks that a POS adapter behaves as Dojo and the agent expect, through its public `POSAdapter` API only.
///
/// Run it against your adapter in your own CI (it depends on no test framework, so a command-line tool works as
/// well as a test):
///
/// ```swift
/// let report = await AdapterConformanceSuite(adapter: MyPOS(…)).run()
/// print(report)                       // PASS/FAIL/SKIP per check and a summary
/// precondition(report.isPassing)
/// ```
///
/// The suite drives every method the adapter declares with the reference fixtures' values (the "Martin B."
/// reservation of Dojo's docs) and edge cases, and checks results and error mapping:
/// - create → get → update (a full replacement: optional fields absent from the update come back cleared) →
///   search (small pages followed through their cursors, filters) → delete → get answers `NotFound`;
/// - creates are idempotent on the Dojo id; a party seated from a reservation keeps its `reservationId` across
///   `UpdatePartyV1`; completed parties are hidden unless `completedOnly`;
/// - unknown ids answer `NotFound`; unknown tables and malformed cursors answer `InvalidRequest`;
/// - orders found by `SearchOrdersV1` are returned by `GetOrderByIdV1`; filters hold;
/// - `HandleEventV1` accepts each declared event type, twice with the same id.
///
/// A check that needs a capability the adapter does not declare is reported as skipped, never failed. The suite
/// tolerates data already in the POS: it looks only for the entities it creates, which carry fresh Dojo ids, and
/// deletes them at the end when the adapter can.
public struct AdapterConformanceSuite: Sendable {
    /// Tuning for a run.
    public struct Options: Sendable {
        /// Table ids the suite may book. `nil` discovers them with `SearchTablesV1`; give them when the adapter
        /// does not declare `SearchTables`. At least one is needed for the reservation and party checks; two let
        /// the update checks move a booking to another table.
        public var tableIDs: [String]?
        /// Makes this run's Dojo ids unique (`conformance-<runID>-reservation-1`), so reruns against a POS that
        /// keeps data never collide with an earlier run's entities. Random by default.
        public var runID: String
        /// The start of the first reservation the suite books. Defaults to the reference fixture's
        /// `2024-08-12T09:30:00.000Z`; set it if your POS refuses bookings in the past.
        public var baseTime: Timestamp
        /// An area id for the `SearchTablesV1 areaId` check when no table the POS lists names its area.
        public var areaID: String?
        /// Called with a check's name just before it runs (not for checks skipped for a missing capability):
        /// `dojo-sim check` uses it to tie the requests it relays to the check that sent them.
        public var checkStarted: (@Sendable (String) -> Void)?

        /// Creates options.
        public init(
            tableIDs: [String]? = nil,
            runID: String = Options.randomRunID(),
            baseTime: Timestamp = Timestamp(millisecondsSince1970: 1_723_455_000_000),
            areaID: String? = nil
        ) {
            self.tableIDs = tableIDs
            self.runID = runID
            self.baseTime = baseTime
            self.areaID = areaID
        }

        /// Eight random hexadecimal digits.
        public static func randomRunID() -> String {
            let value = UInt32.random(in: .min ... .max)
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 8 - digits.count) + digits
        }
    }

    /// The adapter under test.
    public let adapter: any POSAdapter
    /// The run's options.
    public let options: Options

    /// Creates a suite for `adapter`.
    public init(adapter: any POSAdapter, options: Options = Options()) {
        self.adapter = adapter
        self.options = options
    }

    /// Runs every check in order and reports each outcome. Never throws: an adapter error is a check failure.
    public func run() async -> ConformanceReport {
        let run = ConformanceRun(adapter: adapter, options: options)
        await run.venueChecks()
        await run.reservationChecks()
        await run.partyChecks()
        await run.orderChecks()
        await run.eventChecks()
        await run.cleanUp()
        return ConformanceReport(checks: run.checks)
    }
}
