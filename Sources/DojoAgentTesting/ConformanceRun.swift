import DojoAdapter
import DojoProtocol

/// One run of the conformance suite: the adapter, what the run learnt about the POS (tables), what it created
/// (to clean up), and the checks recorded so far. Used by a single task from start to end.
final class ConformanceRun {
    let adapter: any POSAdapter
    let options: AdapterConformanceSuite.Options
    private(set) var checks: [ConformanceCheck] = []
    /// Table ids to book, once known.
    var tableIDs: [String] = []
    /// Why ``tableIDs`` is empty, for the reason of skipped checks.
    var noTablesReason = "no table ids are known"
    /// POS ids of what this run created and has not deleted yet.
    var createdReservations: [String] = []
    var createdParties: [String] = []
    private var requestNumber = 0
    private var dojoIDNumber = 0

    init(adapter: any POSAdapter, options: AdapterConformanceSuite.Options) {
        self.adapter = adapter
        self.options = options
    }

    // MARK: - Checks

    /// Runs `body` as the check `name`, or records it as skipped when the adapter lacks a capability it needs.
    func check(
        _ name: String,
        requires capabilities: [Capability],
        _ body: () async throws -> Void
    ) async {
        if let missing = capabilities.first(where: { !adapter.capabilities.contains($0) }) {
            checks.append(
                ConformanceCheck(name: name, outcome: .skipped(reason: "adapter does not declare \(missing.name)"))
            )
            return
        }
        options.checkStarted?(name)
        do {
            try await body()
            checks.append(ConformanceCheck(name: name, outcome: .passed))
        } catch let skip as CheckSkipped {
            checks.append(ConformanceCheck(name: name, outcome: .skipped(reason: skip.reason)))
        } catch let failure as CheckFailed {
            checks.append(ConformanceCheck(name: name, outcome: .failed(reason: failure.reason)))
        } catch {
            checks.append(
                ConformanceCheck(name: name, outcome: .failed(reason: "unexpected error: \(describe(error: error))"))
            )
        }
    }

    /// The table ids to book, or a skip when none are known.
    func requireTables() throws -> [String] {
        guard !tableIDs.isEmpty else { throw CheckSkipped(reason: noTablesReason) }
        return tableIDs
    }

    /// A context for the next request, as Bookings would send it.
    func context(_ method: DojoMethod) -> RequestContext {
        requestNumber += 1
        return RequestContext(
            requestID: RequestID("conformance-\(options.runID)-\(requestNumber)"),
            method: method,
            headers: RequestHeaders(dojoRequestingProduct: "Bookings", deviceType: "Dojo Conformance Suite")
        )
    }

    /// A fresh Dojo id for this run (`conformance-<runID>-reservation-3`).
    func dojoID(_ kind: String) -> String {
        dojoIDNumber += 1
        return "conformance-\(options.runID)-\(kind)-\(dojoIDNumber)"
    }

    /// An id no POS holds.
    func unknownID(_ kind: String) -> String {
        "conformance-\(options.runID)-no-such-\(kind)"
    }

    /// `baseTime` moved by `minutes`.
    func time(_ minutes: Int64) -> Timestamp {
        Timestamp(millisecondsSince1970: options.baseTime.millisecondsSince1970 + minutes * 60_000)
    }

    // MARK: - Expectations

    func expect(_ condition: Bool, _ reason: @autoclosure () -> String) throws {
        if !condition { throw CheckFailed(reason: reason()) }
    }

    func expectEqual<Value: Equatable>(_ actual: Value, _ expected: Value, _ what: String) throws {
        if actual != expected {
            throw CheckFailed(reason: "\(what): expected \(describe(expected)), got \(describe(actual))")
        }
    }

    /// Runs `body` and requires it to throw an error that reaches Dojo as `errorType`.
    func expectError(_ errorType: DojoErrorType, _ what: String, _ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch {
            let mapped = DojoError.from(error)
            if mapped.wireError.errorType != errorType {
                throw CheckFailed(reason: "\(what): expected \(errorType.rawValue), got \(describe(error: error))")
            }
            return
        }
        throw CheckFailed(reason: "\(what): expected \(errorType.rawValue), but the call succeeded")
    }

    /// Follows `after` cursors from the first page, `limit` items at a time, up to `maxPages`, checking each page's
    /// size; returns every item seen, in order.
    func collectPages<Element>(
        limit: Int,
        maxPages: Int = 200,
        _ what: String,
        _ fetch: (Cursor) async throws -> Page<Element>
    ) async throws -> (items: [Element], pages: [Page<Element>]) {
        var pages: [Page<Element>] = []
        var cursor = Cursor(limit: limit)
        while pages.count < maxPages {
            let page = try await fetch(cursor)
            try expect(
                page.data.count <= limit,
                "\(what): a page asked for \(limit) items returned \(page.data.count)"
            )
            pages.append(page)
            guard let after = page.after else { break }
            try expect(
                !page.data.isEmpty,
                "\(what): an empty page carried an after cursor \(describe(after)), which would page forever"
            )
            cursor = Cursor(limit: limit, after: after)
        }
        return (pages.flatMap(\.data), pages)
    }

    // MARK: - Descriptions

    func describe(_ value: Any) -> String {
        if let json = value as? any JSONRepresentable { return json.jsonValue.serialized() }
        if let text = value as? String { return JSONValue.string(text).serialized() }
        if let list = value as? [String] { return JSONValue.array(list.map(JSONValue.string)).serialized() }
        return String(describing: value)
    }

    func describe(error: any Error) -> String {
        let mapped = DojoError.from(error)
        guard let detail = mapped.localDetail else { return mapped.wireError.description }
        return "\(mapped.wireError.description) (\(detail))"
    }
}

/// A check found the adapter misbehaving.
struct CheckFailed: Error {
    var reason: String
}

/// A check cannot run against this adapter or POS.
struct CheckSkipped: Error {
    var reason: String
}
