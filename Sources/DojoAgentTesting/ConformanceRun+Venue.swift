import DojoAdapter
import DojoProtocol

extension ConformanceRun {
    /// Areas and tables; also learns the table ids the booking checks use.
    func venueChecks() async {
        var areas: [Area] = []
        var tables: [Table] = []

        await check("ListAreasV1 lists areas with unique, non-empty ids", requires: [.listAreas]) {
            areas = try await adapter.listAreas(ListAreasRequest(), context: context(.listAreas))
            try expect(areas.allSatisfy { !$0.id.isEmpty }, "an area has an empty id")
            try expectEqual(Set(areas.map(\.id)).count, areas.count, "number of distinct area ids")
        }

        await check("SearchTablesV1 pages through every table exactly once", requires: [.searchTables]) {
            let (all, pages) = try await collectPages(limit: 2, "SearchTablesV1") { cursor in
                try await adapter.searchTables(SearchTablesRequest(cursor: cursor), context: context(.searchTables))
            }
            tables = all
            try expect(!all.isEmpty, "SearchTablesV1 returned no table (a POS needs at least one to seat guests)")
            let ids = all.map(\.id)
            try expectEqual(Set(ids).count, ids.count, "distinct table ids over \(pages.count) pages of 2")
            let single = try await adapter.searchTables(
                SearchTablesRequest(cursor: Cursor(limit: 100)),
                context: context(.searchTables)
            )
            if single.after == nil {
                try expectEqual(Set(single.data.map(\.id)), Set(ids), "tables in one page of 100 vs pages of 2")
            }
        }
        if let discovered = options.tableIDs {
            tableIDs = discovered
        } else if !tables.isEmpty {
            tableIDs = Array(tables.prefix(2).map(\.id))
        } else {
            noTablesReason =
                "no table ids: the adapter lists no tables and options.tableIDs is nil"
        }

        await check("SearchTablesV1 before cursor leads back to the previous page", requires: [.searchTables]) {
            let first = try await adapter.searchTables(
                SearchTablesRequest(cursor: Cursor(limit: 1)),
                context: context(.searchTables)
            )
            guard let after = first.after else { throw CheckSkipped(reason: "the POS has a single table") }
            let second = try await adapter.searchTables(
                SearchTablesRequest(cursor: Cursor(limit: 1, after: after)),
                context: context(.searchTables)
            )
            guard let before = second.before else {
                throw CheckSkipped(reason: "the adapter returns no before cursors")
            }
            let back = try await adapter.searchTables(
                SearchTablesRequest(cursor: Cursor(limit: 1, before: before)),
                context: context(.searchTables)
            )
            try expectEqual(back.data.map(\.id), first.data.map(\.id), "table ids on the page before the second")
        }

        await check("SearchTablesV1 areaId keeps only that area's tables", requires: [.searchTables]) {
            let sample = tables.first { $0.areaID != nil }
            guard let areaID = sample?.areaID ?? options.areaID else {
                throw CheckSkipped(reason: "no table has an areaId and no area id was given")
            }
            let (found, _) = try await collectPages(limit: 100, "SearchTablesV1 areaId") { cursor in
                try await adapter.searchTables(
                    SearchTablesRequest(areaID: areaID, cursor: cursor),
                    context: context(.searchTables)
                )
            }
            try expect(found.allSatisfy { $0.areaID == areaID }, "a table of another area came back")
            if let sample {
                try expect(found.contains { $0.id == sample.id }, "table \(describe(sample.id)) is missing")
            }
            try expectEqual(
                Set(found.map(\.id)),
                Set(tables.filter { $0.areaID == areaID }.map(\.id)),
                "tables of area \(describe(areaID))"
            )
        }

        await check("SearchTablesV1 waiterId keeps only that waiter's tables", requires: [.searchTables]) {
            guard let sample = tables.first(where: { !($0.waiterIDs ?? []).isEmpty }),
                let waiterID = sample.waiterIDs?.first
            else { throw CheckSkipped(reason: "no table lists waiterIds") }
            let (found, _) = try await collectPages(limit: 100, "SearchTablesV1 waiterId") { cursor in
                try await adapter.searchTables(
                    SearchTablesRequest(waiterID: waiterID, cursor: cursor),
                    context: context(.searchTables)
                )
            }
            try expect(found.contains { $0.id == sample.id }, "table \(describe(sample.id)) is missing")
            try expect(
                found.allSatisfy { $0.waiterIDs?.contains(waiterID) ?? true },
                "a table listing other waiters only came back"
            )
        }

        await check("SearchTablesV1 tables belong to listed areas", requires: [.searchTables, .listAreas]) {
            let areaIDs = Set(areas.map(\.id))
            for table in tables {
                if let areaID = table.areaID {
                    try expect(
                        areaIDs.contains(areaID),
                        "table \(describe(table.id)) is in area \(describe(areaID)), which ListAreasV1 does not list"
                    )
                }
            }
        }

        await check("SearchTablesV1 refuses a malformed cursor with InvalidRequest", requires: [.searchTables]) {
            try await expectError(.invalidRequest, "SearchTablesV1 with a cursor the POS never issued") {
                _ = try await adapter.searchTables(
                    SearchTablesRequest(cursor: Cursor(limit: 2, after: "not-a-cursor-\(options.runID)")),
                    context: context(.searchTables)
                )
            }
        }
    }
}
