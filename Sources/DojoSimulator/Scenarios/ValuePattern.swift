public import DojoProtocol
import Foundation

/// A path into a step's outcome: a root (`result`, `error`, `fetched`, `event`, `response`) then members and
/// indexes: `result.data[0].id`.
public struct ValuePath: Sendable, Hashable, CustomStringConvertible {
    /// One step of a path.
    public enum Component: Sendable, Hashable {
        case member(String)
        case index(Int)
    }

    /// The root name.
    public var root: String
    /// The rest.
    public var components: [Component]

    /// Parses `root.member[2].member`.
    ///
    /// - Throws: ``SimulatorError`` (`invalidInput`) naming the problem.
    public init(parsing text: String) throws {
        var components: [Component] = []
        var current = ""
        var root: String?
        var characters = Substring(text)
        func flush() throws {
            guard !current.isEmpty else { throw SimulatorError(.invalidInput, "empty member in path \"\(text)\"") }
            if root == nil { root = current } else { components.append(.member(current)) }
            current = ""
        }
        while let character = characters.first {
            characters.removeFirst()
            switch character {
            case ".":
                // After `]` a dot has nothing to flush; anywhere else it ends a member name.
                if !current.isEmpty {
                    try flush()
                } else if root == nil {
                    throw SimulatorError(.invalidInput, "path \"\(text)\" starts with a dot")
                }
            case "[":
                if !current.isEmpty { try flush() }
                guard let close = characters.firstIndex(of: "]"), let index = Int(characters[..<close]), index >= 0
                else {
                    throw SimulatorError(.invalidInput, "bad index in path \"\(text)\"")
                }
                guard root != nil else { throw SimulatorError(.invalidInput, "path \"\(text)\" starts with an index") }
                components.append(.index(index))
                characters = characters[characters.index(after: close)...]
            default:
                current.append(character)
            }
        }
        if !current.isEmpty { try flush() }
        guard let root else { throw SimulatorError(.invalidInput, "empty path") }
        self.root = root
        self.components = components
    }

    /// The value at this path under `value` (which is the root's value), or nil when absent.
    public func resolve(in value: JSONValue) -> JSONValue? {
        var current = value
        for component in components {
            switch component {
            case .member(let name):
                guard let next = current[name] else { return nil }
                current = next
            case .index(let index):
                guard let array = current.arrayValue, index < array.count else { return nil }
                current = array[index]
            }
        }
        return current
    }

    /// The path as written.
    public var description: String {
        components.reduce(root) { text, component in
            switch component {
            case .member(let name): "\(text).\(name)"
            case .index(let index): "\(text)[\(index)]"
            }
        }
    }
}

/// The variables of a running scenario and `${name}` interpolation.
///
/// A string that is exactly `${name}` becomes the variable's JSON value (a number stays a number); a string that
/// contains `${name}` among other text gets the variable's text spliced in.
public struct ScenarioVariables: Sendable {
    /// Why a variable has no value.
    public enum Unset: Sendable, Hashable {
        /// Never defined.
        case undefined
        /// Its capturing step was skipped (dependent steps are skipped too).
        case skipped(step: String)
        /// Its capturing step ran but the path was absent.
        case absent(step: String, path: String)
    }

    /// Set values.
    public private(set) var values: [String: JSONValue]
    private var unset: [String: Unset] = [:]

    /// Creates a set of variables.
    public init(_ values: [String: JSONValue] = [:]) {
        self.values = values
    }

    /// Sets a variable.
    public mutating func set(_ name: String, _ value: JSONValue) {
        values[name] = value
        unset[name] = nil
    }

    /// Marks a variable as unset, with the reason.
    public mutating func markUnset(_ name: String, _ reason: Unset) {
        values[name] = nil
        unset[name] = reason
    }

    /// Why `name` has no value (nil when it has one).
    public func whyUnset(_ name: String) -> Unset? {
        values[name] != nil ? nil : (unset[name] ?? .undefined)
    }

    /// Replaces every `${name}` in `template`.
    ///
    /// - Throws: ``MissingVariable`` for the first variable without a value.
    public func interpolate(_ template: JSONValue) throws(MissingVariable) -> JSONValue {
        switch template {
        case .string(let text): return try interpolate(string: text)
        case .array(let elements):
            var result: [JSONValue] = []
            for element in elements { result.append(try interpolate(element)) }
            return .array(result)
        case .object(let members):
            var result: [String: JSONValue] = [:]
            for (key, value) in members { result[key] = try interpolate(value) }
            return .object(result)
        default: return template
        }
    }

    /// Interpolates one string; `${name}` alone keeps the variable's JSON type.
    public func interpolate(string text: String) throws(MissingVariable) -> JSONValue {
        let references = Self.references(in: text)
        if references.count == 1, let only = references.first, only.range == text.startIndex..<text.endIndex {
            guard let value = values[only.name] else {
                throw MissingVariable(name: only.name, reason: whyUnset(only.name))
            }
            return value
        }
        var result = ""
        var position = text.startIndex
        for reference in references {
            result += text[position..<reference.range.lowerBound]
            guard let value = values[reference.name] else {
                throw MissingVariable(name: reference.name, reason: whyUnset(reference.name))
            }
            result += value.stringValue ?? value.serialized()
            position = reference.range.upperBound
        }
        result += text[position...]
        return .string(result)
    }

    /// The variable names used in a template.
    public static func names(in template: JSONValue) -> Set<String> {
        switch template {
        case .string(let text): Set(references(in: text).map(\.name))
        case .array(let elements): elements.reduce(into: []) { $0.formUnion(names(in: $1)) }
        case .object(let members): members.values.reduce(into: []) { $0.formUnion(names(in: $1)) }
        default: []
        }
    }

    private static func references(in text: String) -> [(name: String, range: Range<String.Index>)] {
        var found: [(String, Range<String.Index>)] = []
        var searchFrom = text.startIndex
        while let open = text[searchFrom...].range(of: "${"),
            let close = text[open.upperBound...].firstIndex(of: "}")
        {
            let name = String(text[open.upperBound..<close])
            found.append((name, open.lowerBound..<text.index(after: close)))
            searchFrom = text.index(after: close)
        }
        return found
    }
}

/// A `${name}` without a value.
public struct MissingVariable: Error, Sendable, CustomStringConvertible {
    /// The variable.
    public var name: String
    /// Why it has no value.
    public var reason: ScenarioVariables.Unset?

    /// Whether the step should be skipped rather than failed (its producer was skipped).
    public var causesSkip: Bool {
        if case .skipped? = reason { return true }
        return false
    }

    /// `variable x is not set (…)`.
    public var description: String {
        switch reason {
        case .skipped(let step)?: "variable \(name) is not set: step \"\(step)\" was skipped"
        case .absent(let step, let path)?: "variable \(name) is not set: \(path) was absent in step \"\(step)\""
        default: "variable \(name) is not defined"
        }
    }
}

/// Matches an actual JSON value against an expected pattern, and says where and why it does not.
///
/// Rules: an object pattern lists the members that must match (others may exist); an array pattern must have
/// the same length and match element by element; scalars compare by value (1 equals 1.0). Operators:
/// `$absent`, `$present`, `$any` (strings), and single-member objects `{$length: n}`, `{$minLength: n}`,
/// `{$maxLength: n}`, `{$contains: p}` (an array element, or a substring), `{$notContains: p}`,
/// `{$containsAll: [p…]}`, `{$containsOnce: p}`, `{$each: p}` (every element), `{$not: p}`, `{$oneOf: [p…]}`. An object whose keys
/// are all operators applies every one of them.
public enum ValuePattern {
    /// nil when `actual` matches `pattern`; otherwise the first mismatch as `path: reason`.
    public static func mismatch(_ actual: JSONValue?, against pattern: JSONValue, at path: String) -> String? {
        switch pattern {
        case .string("$absent"):
            guard let actual, !actual.isNull else { return nil }
            return "\(path): expected absent, got \(show(actual))"
        case .string("$present"):
            guard let actual, !actual.isNull else { return "\(path): expected a value, but it is absent" }
            return nil
        case .string("$any"):
            return nil
        default:
            break
        }
        if case .object(let members) = pattern, !members.isEmpty, members.keys.allSatisfy({ $0.hasPrefix("$") }) {
            // Several operators in one object must all hold.
            for key in members.keys.sorted() {
                if let problem = operatorMismatch(actual, key, members[key]!, at: path) { return problem }
            }
            return nil
        }
        guard let actual else { return "\(path): expected \(show(pattern)), but it is absent" }
        switch (pattern, actual) {
        case (.object(let expected), .object(let members)):
            for key in expected.keys.sorted() {
                if let problem = mismatch(members[key], against: expected[key]!, at: "\(path).\(key)") {
                    return problem
                }
            }
            return nil
        case (.array(let expected), .array(let elements)):
            guard expected.count == elements.count else {
                return "\(path): expected \(expected.count) elements, got \(elements.count)"
            }
            for (offset, element) in expected.enumerated() {
                if let problem = mismatch(elements[offset], against: element, at: "\(path)[\(offset)]") {
                    return problem
                }
            }
            return nil
        default:
            return scalarEqual(actual, pattern) ? nil : "\(path): expected \(show(pattern)), got \(show(actual))"
        }
    }

    private static func operatorMismatch(
        _ actual: JSONValue?,
        _ name: String,
        _ operand: JSONValue,
        at path: String
    )
        -> String?
    {
        func length() -> Int? {
            if let array = actual?.arrayValue { return array.count }
            if let string = actual?.stringValue { return string.count }
            return nil
        }
        func bound() -> Int? {
            if case .integer(let value) = operand { return Int(value) }
            return nil
        }
        switch name {
        case "$length", "$minLength", "$maxLength":
            guard let count = length() else { return "\(path): expected an array or a string, got \(show(actual))" }
            guard let limit = bound() else { return "\(path): \(name) needs an integer" }
            let ok = name == "$length" ? count == limit : name == "$minLength" ? count >= limit : count <= limit
            let wanted = name == "$length" ? "exactly" : name == "$minLength" ? "at least" : "at most"
            return ok ? nil : "\(path): expected \(wanted) \(limit) elements, got \(count)"
        case "$contains", "$notContains":
            let contains: Bool
            if let string = actual?.stringValue, let needle = operand.stringValue {
                contains = string.contains(needle)
            } else if let array = actual?.arrayValue {
                contains = array.contains { mismatch($0, against: operand, at: path) == nil }
            } else {
                return "\(path): expected an array or a string, got \(show(actual))"
            }
            if name == "$contains" {
                return contains ? nil : "\(path): expected to contain \(show(operand)), got \(show(actual))"
            }
            return contains ? "\(path): expected not to contain \(show(operand)), got \(show(actual))" : nil
        case "$containsOnce":
            guard let array = actual?.arrayValue else { return "\(path): expected an array, got \(show(actual))" }
            let matches = array.filter { mismatch($0, against: operand, at: path) == nil }.count
            return matches == 1
                ? nil : "\(path): expected exactly one element matching \(show(operand)), found \(matches)"
        case "$containsAll":
            guard let array = actual?.arrayValue else { return "\(path): expected an array, got \(show(actual))" }
            guard let wanted = operand.arrayValue else { return "\(path): $containsAll needs a list" }
            for pattern in wanted where !array.contains(where: { mismatch($0, against: pattern, at: path) == nil }) {
                return "\(path): expected to contain \(show(pattern)), got \(show(actual))"
            }
            return nil
        case "$each":
            guard let array = actual?.arrayValue else { return "\(path): expected an array, got \(show(actual))" }
            for (offset, element) in array.enumerated() {
                if let problem = mismatch(element, against: operand, at: "\(path)[\(offset)]") { return problem }
            }
            return nil
        case "$not":
            return mismatch(actual, against: operand, at: path) == nil
                ? "\(path): expected anything but \(show(operand)), got \(show(actual))" : nil
        case "$oneOf":
            guard let options = operand.arrayValue else { return "\(path): $oneOf needs a list" }
            if options.contains(where: { mismatch(actual, against: $0, at: path) == nil }) { return nil }
            return "\(path): expected one of \(show(operand)), got \(show(actual))"
        default:
            return "\(path): unknown operator \(name)"
        }
    }

    private static func scalarEqual(_ actual: JSONValue, _ expected: JSONValue) -> Bool {
        switch (actual, expected) {
        case (.integer(let a), .double(let b)): Double(a) == b
        case (.double(let a), .integer(let b)): a == Double(b)
        default: actual == expected
        }
    }

    /// A short rendering of a value for messages.
    static func show(_ value: JSONValue?) -> String {
        guard let value else { return "nothing" }
        let text = value.serialized()
        return text.count <= 100 ? text : String(text.prefix(100)) + "…"
    }
}
