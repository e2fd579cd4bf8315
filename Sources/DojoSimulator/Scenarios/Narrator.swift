import DojoProtocol

/// Turns requests and answers into one-line sentences for the report's story: what Dojo sent, what the POS
/// holds now, what went back. Only names, counts, times and ids; never whole payloads.
enum Narrator {
    static let dojoToPOS = "Dojo → POS "
    static let posToDojo = "POS → Dojo "

    static func describe(_ request: DojoRequest) -> String {
        let name = request.method.wireName
        switch request {
        case .createReservation(let r):
            return "\(name): \(r.name), \(r.covers) covers, \(span(r.startTime, r.endTime)) at "
                + "\(tables(r.tableIDs)) (Dojo id \(r.dojoReservationID))"
        case .updateReservation(let r):
            return "\(name) \(r.id): \(r.name), \(r.covers) covers, \(span(r.startTime, r.endTime)) at "
                + tables(r.tableIDs)
        case .deleteReservation(let r):
            return "\(name) \(r.reservationID)"
        case .getReservation(let r):
            return "\(name) \(r.reservationID)"
        case .searchReservations(let r):
            return "\(name)" + filters([("table", r.tableID), ("limit", r.cursor?.limit.map(String.init))])
                + (r.cursor?.after != nil ? " (next page)" : "")
        case .createParty(let r):
            let who = r.name.map { "\($0), " } ?? ""
            let covers = r.covers.map { "\($0) covers " } ?? ""
            let link = r.reservationID.map { "for reservation \($0)" } ?? "walk-in"
            return "\(name): \(who)\(covers)seated \(clock(r.startTime)) at \(tables(r.tableIDs)), \(link)"
        case .updateParty(let r):
            let left = r.endTime.map { ", left at \(clock($0))" } ?? ""
            let covers = r.covers.map { ", \($0) covers" } ?? ""
            return "\(name) \(r.id): status \(r.status)\(covers) at \(tables(r.tableIDs))\(left)"
        case .deleteParty(let r):
            return "\(name) \(r.partyID)"
        case .getParty(let r):
            return "\(name) \(r.partyID)"
        case .searchParties(let r):
            return "\(name)"
                + filters([
                    ("table", r.tableID), ("completed only", r.completedOnly == true ? "yes" : nil),
                    ("limit", r.cursor?.limit.map(String.init)),
                ]) + (r.cursor?.after != nil ? " (next page)" : "")
        case .searchTables(let r):
            return "\(name)" + filters([("area", r.areaID), ("limit", r.cursor?.limit.map(String.init))])
                + (r.cursor?.after != nil ? " (next page)" : "")
        case .listAreas:
            return name
        case .getOrder(let r):
            return "\(name) \(r.orderID)"
        case .searchOrders:
            return name
        case .handleEvent(let r):
            return "\(name) \(r.event.rawValue)"
        }
    }

    static func describe(_ response: ResponseFrame?, for method: DojoMethod?) -> String {
        guard let response else { return "no answer" }
        switch response.outcome {
        case .error(let error):
            return "error \(error.errorType.rawValue)" + (error.debugMessage.map { ": \($0)" } ?? "")
        case .result(let json):
            guard let method, let result = try? DojoResult(json: json, for: method) else {
                return "result \(ValuePattern.show(json))"
            }
            return describe(result)
        }
    }

    static func describe(_ result: DojoResult) -> String {
        switch result {
        case .reservation(let r):
            return
                "reservation \(r.id): \(r.name), \(r.covers) covers, \(span(r.startTime, r.endTime)) at \(tables(r.tableIDs))"
        case .party(let p):
            var text = "party \(p.id): \(p.status)"
            if let covers = p.covers { text += ", \(covers) covers" }
            text += " at \(tables(p.tableIDs))"
            if let reservation = p.reservationID { text += ", reservation \(reservation)" }
            if let end = p.endTime { text += ", left at \(clock(end))" }
            return text
        case .reservations(let page):
            return listing(page.data.map(\.id), noun: "reservation", after: page.after)
        case .parties(let page):
            return listing(page.data.map(\.id), noun: "party", after: page.after)
        case .tables(let page):
            return listing(page.data.map(\.id), noun: "table", after: page.after)
        case .areas(let areas):
            return "\(areas.count) area\(areas.count == 1 ? "" : "s"): \(areas.map(\.name).joined(separator: ", "))"
        case .order(let order):
            return "order \(order.id ?? "?")"
        case .orders(let page):
            return listing(page.data.map { $0.id ?? "?" }, noun: "order", after: page.after)
        case .empty:
            return "done ({})"
        }
    }

    private static func listing(_ ids: [String], noun: String, after: String?) -> String {
        let plural = noun == "party" ? "parties" : noun + "s"
        let shown = ids.prefix(6).joined(separator: ", ") + (ids.count > 6 ? ", …" : "")
        let more = after != nil ? " (more on the next page)" : ""
        return "\(ids.count) \(ids.count == 1 ? noun : plural)\(ids.isEmpty ? "" : ": " + shown)\(more)"
    }

    private static func filters(_ pairs: [(String, String?)]) -> String {
        let present = pairs.compactMap { name, value in value.map { "\(name) \($0)" } }
        return present.isEmpty ? "" : " (" + present.joined(separator: ", ") + ")"
    }

    private static func tables(_ ids: [String]) -> String {
        ids.joined(separator: "+")
    }

    /// `09:30` from a timestamp.
    static func clock(_ time: Timestamp) -> String {
        let text = time.iso8601String
        let start = text.index(text.startIndex, offsetBy: 11)
        return String(text[start..<text.index(start, offsetBy: 5)])
    }

    private static func span(_ start: Timestamp, _ end: Timestamp) -> String {
        "\(clock(start))–\(clock(end))"
    }
}
