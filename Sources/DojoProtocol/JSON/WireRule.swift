/// A validation rule on one wire field that `Codable` cannot express: a length cap, non-emptiness, a range.
///
/// Declared on the field with ``Checked`` (required) or ``CheckedIfPresent`` (optional):
///
/// ```swift
/// @Checked<NonEmptyID> public var dojoPartyID: String
/// @CheckedIfPresent<Count> public var covers: Int?
/// ```
///
/// Each rule is written once here; its reason is the text of the ``DojoProtocolError`` (`params.covers: must be
/// a non-negative integer, got -1`), and its ``schemaKeywords`` go into the published contract
/// (`Docs/contract/`).
public protocol WireRule: Sendable {
    /// The field's Swift type.
    associatedtype Value: Codable, Hashable, Sendable

    /// Why `value` is refused, and where below the field (`[2]` for an array element; empty for the field
    /// itself), or `nil` when it is accepted.
    static func problem(with value: Value) -> WireProblem?

    /// Reads the value; by default `Value(from:)`.
    static func decode(from decoder: any Decoder) throws -> Value

    /// The value of a required field that is absent or `null`; `nil` (the default) makes it an error.
    static var valueWhenAbsent: Value? { get }

    /// JSON Schema keywords the rule adds to the value's own schema (`{"minLength": 1}`).
    static var schemaKeywords: [String: JSONValue] { get }
}

/// Why a rule refuses a value.
public struct WireProblem: Hashable, Sendable {
    /// Where below the field (`[2]`), or empty.
    public var suffix: String
    /// The reason (`must not be empty`).
    public var reason: String

    /// Creates a problem.
    public init(_ reason: String, at suffix: String = "") {
        self.reason = reason
        self.suffix = suffix
    }
}

extension WireRule {
    /// `Value(from:)`.
    public static func decode(from decoder: any Decoder) throws -> Value { try Value(from: decoder) }
    /// Required.
    public static var valueWhenAbsent: Value? { nil }
}

/// A required field checked by `Rule`.
@propertyWrapper
public struct Checked<Rule: WireRule>: Codable, Hashable, Sendable {
    /// The field's value.
    public var wrappedValue: Rule.Value

    /// Wraps a value (built in code: not checked).
    public init(wrappedValue: Rule.Value) {
        self.wrappedValue = wrappedValue
    }

    /// Reads and checks the value.
    public init(from decoder: any Decoder) throws {
        if let schema = decoder as? WireSchemaDecoding {
            self.init(wrappedValue: try schema.walker.describe(Rule.Value.self, into: schema.node))
            schema.node.keywords.merge(Rule.schemaKeywords) { _, new in new }
            return
        }
        let value = try Rule.decode(from: decoder)
        if let problem = Rule.problem(with: value) {
            throw JSONValueDecoding.failure(decoder, problem.reason, below: problem.suffix)
        }
        self.init(wrappedValue: value)
    }

    /// Writes the value.
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}

/// An optional field checked by `Rule` when present; absent or `null` is `nil`, and `nil` is omitted.
@propertyWrapper
public struct CheckedIfPresent<Rule: WireRule>: Codable, Hashable, Sendable {
    /// The field's value.
    public var wrappedValue: Rule.Value?

    /// Wraps a value (built in code: not checked).
    public init(wrappedValue: Rule.Value?) {
        self.wrappedValue = wrappedValue
    }

    /// Reads and checks the value; `null` is `nil`.
    public init(from decoder: any Decoder) throws {
        if try decoder.singleValueContainer().decodeNil() {
            self.init(wrappedValue: nil)
        } else {
            self.init(wrappedValue: try Checked<Rule>(from: decoder).wrappedValue)
        }
    }

    /// Writes the value, or `null` (a keyed container omits the member instead).
    public func encode(to encoder: any Encoder) throws {
        try wrappedValue.encode(to: encoder)
    }
}

extension KeyedDecodingContainer {
    /// An optional checked field: absent or `null` is `nil`.
    public func decode<Rule>(_ type: CheckedIfPresent<Rule>.Type, forKey key: Key) throws -> CheckedIfPresent<Rule> {
        CheckedIfPresent(wrappedValue: try decodeIfPresent(Checked<Rule>.self, forKey: key)?.wrappedValue)
    }

    /// A required checked field, or the rule's ``WireRule/valueWhenAbsent``.
    public func decode<Rule>(_ type: Checked<Rule>.Type, forKey key: Key) throws -> Checked<Rule> {
        if let absent = Rule.valueWhenAbsent {
            return try decodeIfPresent(type, forKey: key) ?? Checked(wrappedValue: absent)
        }
        return try Checked(from: superDecoder(forKey: key))
    }
}

extension KeyedEncodingContainer {
    /// Omits a `nil` optional checked field.
    public mutating func encode<Rule>(_ value: CheckedIfPresent<Rule>, forKey key: Key) throws {
        try encodeIfPresent(value.wrappedValue, forKey: key)
    }
}

// MARK: - The rules

/// An id: not empty and at most ``IDLimit/maximumBytes`` UTF-8 bytes (`dojoPartyId`, `reservationId`).
public enum NonEmptyID: WireRule {
    /// Not empty, then ``IDLimit``.
    public static func problem(with value: String) -> WireProblem? {
        if value.isEmpty { return WireProblem("must not be empty") }
        return IDLimit.problem(value).map { WireProblem($0) }
    }

    /// `minLength` 1, `maxLength` 256 (the agent counts UTF-8 bytes, JSON Schema counts characters).
    public static var schemaKeywords: [String: JSONValue] {
        ["minLength": 1, "maxLength": .integer(Int64(IDLimit.maximumBytes))]
    }
}

/// An id that may be empty (`accountId`, optional ids): at most ``IDLimit/maximumBytes`` UTF-8 bytes.
public enum BoundedID: WireRule {
    /// ``IDLimit``.
    public static func problem(with value: String) -> WireProblem? {
        IDLimit.problem(value).map { WireProblem($0) }
    }

    /// `maxLength` 256.
    public static var schemaKeywords: [String: JSONValue] { ["maxLength": .integer(Int64(IDLimit.maximumBytes))] }
}

/// A string that must not be empty (an entity's `id`, a party's `status`).
public enum NonEmpty: WireRule {
    /// Not empty.
    public static func problem(with value: String) -> WireProblem? {
        value.isEmpty ? WireProblem("must not be empty") : nil
    }

    /// `minLength` 1.
    public static var schemaKeywords: [String: JSONValue] { ["minLength": 1] }
}

/// A count such as `covers` or `quantity`: an integer ≥ 0.
public enum Count: WireRule {
    /// Not negative.
    public static func problem(with value: Int) -> WireProblem? {
        value < 0 ? WireProblem("must be a non-negative integer, got \(value)") : nil
    }

    /// `minimum` 0.
    public static var schemaKeywords: [String: JSONValue] { ["minimum": 0] }
}

/// A string that may also arrive as a number, kept in its textual form (`headers.waiterId`, which other Dojo
/// APIs send as an integer; a phone number). Such a value is an id, so it is bounded as ids are (``IDLimit``).
public enum LenientString: WireRule {
    /// Reads a string, or a number as its text.
    public static func decode(from decoder: any Decoder) throws -> String {
        guard let (value, _) = JSONValueDecoding.unwrap(decoder) else { return try String(from: decoder) }
        switch value {
        case .integer(let number): return String(number)
        case .double(let number): return number.description
        default: return try String(from: decoder)
        }
    }

    /// ``IDLimit``.
    public static func problem(with value: String) -> WireProblem? {
        IDLimit.problem(value).map { WireProblem($0) }
    }

    /// A string or a number.
    public static var schemaKeywords: [String: JSONValue] { ["type": ["string", "number"]] }
}

/// At least one table id (an entity's `tableIds`; the spec writes `minLength: 1` on arrays, meaning items).
public enum TableIDs: WireRule {
    static let emptyReason = "must contain at least one table id"

    /// Not empty.
    public static func problem(with value: [String]) -> WireProblem? {
        value.isEmpty ? WireProblem(emptyReason) : nil
    }

    /// `minItems` 1.
    public static var schemaKeywords: [String: JSONValue] { ["minItems": 1] }
}

/// At least one table id, each an id (a request's `tableIds`: at most ``IDLimit/maximumBytes`` UTF-8 bytes).
public enum BoundedTableIDs: WireRule {
    /// Not empty, then each element within ``IDLimit``.
    public static func problem(with value: [String]) -> WireProblem? {
        TableIDs.problem(with: value) ?? BoundedIDs.problem(with: value)
    }

    /// `minItems` 1 and bounded items.
    public static var schemaKeywords: [String: JSONValue] {
        TableIDs.schemaKeywords.merging(BoundedIDs.schemaKeywords) { first, _ in first }
    }
}

/// A list of ids (`paymentIntentIds`), each at most ``IDLimit/maximumBytes`` UTF-8 bytes; absent is empty.
public enum BoundedIDs: WireRule {
    /// Each element within ``IDLimit``.
    public static func problem(with value: [String]) -> WireProblem? {
        for (offset, id) in value.enumerated() {
            if let problem = IDLimit.problem(id) { return WireProblem(problem, at: "[\(offset)]") }
        }
        return nil
    }

    /// Absent is `[]` (the spec requires the list, but its own examples omit it).
    public static var valueWhenAbsent: [String]? { [] }

    /// Bounded items.
    public static var schemaKeywords: [String: JSONValue] { ["items": .object(BoundedID.schemaKeywords)] }
}

/// An ISO 4217 code: Dojo accepts 1 to 10 characters.
public enum CurrencyCode: WireRule {
    /// 1 to 10 characters.
    public static func problem(with value: String) -> WireProblem? {
        (1...10).contains(value.count) ? nil : WireProblem("must be 1 to 10 characters long")
    }

    /// `minLength` 1, `maxLength` 10.
    public static var schemaKeywords: [String: JSONValue] { ["minLength": 1, "maxLength": 10] }
}

/// A page size: `1...100` (``Cursor/maximumLimit``), refused rather than clamped.
public enum PageLimit: WireRule {
    /// Within `1...100`.
    public static func problem(with value: Int) -> WireProblem? {
        (1...Cursor.maximumLimit).contains(value)
            ? nil : WireProblem("must be between 1 and \(Cursor.maximumLimit), got \(value)")
    }

    /// `minimum` 1, `maximum` 100.
    public static var schemaKeywords: [String: JSONValue] {
        ["minimum": 1, "maximum": .integer(Int64(Cursor.maximumLimit))]
    }
}
