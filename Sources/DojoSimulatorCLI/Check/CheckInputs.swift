import ArgumentParser
import Foundation

/// What `dojo-sim check` cannot discover from an adapter that does not declare the searches: table and area ids,
/// from `--table-id`/`--area-id` or the `[check]` section of `--fixture FILE`.
///
/// ```toml
/// [check]
/// table_ids = ["T1", "T2"]   # or table_id = "T1"
/// area_id = "main"
/// ```
struct CheckInputs: Sendable, Equatable {
    var tableIDs: [String] = []
    var areaID: String?

    /// Reads the `[check]` section of a TOML-like file: `key = "value"` or `key = ["a", "b"]`, `#` comments.
    static func parse(fixture text: String) throws -> CheckInputs {
        var inputs = CheckInputs()
        var inCheck = false
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line =
                raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first?
                .trimmingCharacters(in: .whitespaces) ?? ""
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                inCheck = line == "[check]"
                continue
            }
            guard inCheck else { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw ValidationError("fixture line \(number + 1): expected key = value")
            }
            let key = line[..<equals].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            let values = try strings(value, line: number + 1)
            switch key {
            case "table_id", "table_ids": inputs.tableIDs += values
            case "area_id":
                guard values.count == 1 else { throw ValidationError("fixture line \(number + 1): one area id") }
                inputs.areaID = values[0]
            default: throw ValidationError("fixture line \(number + 1): unknown key '\(key)' in [check]")
            }
        }
        return inputs
    }

    private static func strings(_ value: String, line: Int) throws -> [String] {
        var body = value
        if body.hasPrefix("[") {
            guard body.hasSuffix("]") else { throw ValidationError("fixture line \(line): unclosed [") }
            body = String(body.dropFirst().dropLast())
        }
        return try body.split(separator: ",").map { item in
            let text = item.trimmingCharacters(in: .whitespaces)
            guard text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") else {
                throw ValidationError("fixture line \(line): values are \"quoted\" strings")
            }
            return String(text.dropFirst().dropLast())
        }
    }

    /// Scenario variables standing in for the tables the shipped scenarios read through `SearchTablesV1`.
    var scenarioVariables: [String: String] {
        guard !tableIDs.isEmpty else { return [:] }
        var variables = ["table": tableIDs[0]]
        for index in 0..<3 { variables["table\(index + 1)"] = tableIDs[index % tableIDs.count] }
        return variables
    }
}
