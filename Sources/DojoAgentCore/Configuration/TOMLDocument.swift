/// A small TOML reader for `agent.conf`: the subset a configuration file needs, with errors that give the line.
///
/// Supported: `# comments`, `[table]` and `[table.sub]` headers, `key = value` with bare or quoted keys, basic
/// strings (`"…"` with `\" \\ \n \t \r \uXXXX` escapes), literal strings (`'…'`), integers (with `_`
/// separators), floats, booleans, and arrays of those (which may span lines and end with a comma). Not supported
/// (rejected with a clear error rather than misread): inline tables, arrays of tables, multi-line strings, dates,
/// and an empty quoted key (`"" = 1`: TOML allows one, but no setting has one). `agent.conf.example` says the same.
/// Why not a TOML package: the one in the local mirrors wraps a C++ library, a large build and link cost for
/// a dozen keys.
struct TOMLDocument {
    /// A TOML value.
    enum Value: Equatable, Sendable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([Value])

        var typeName: String {
            switch self {
            case .string: "a string"
            case .integer: "an integer"
            case .float: "a number"
            case .boolean: "a boolean"
            case .array: "an array"
            }
        }
    }

    /// One assignment, with its full dotted key and line.
    struct Entry: Equatable {
        var key: String
        var value: Value
        var line: Int
    }

    struct ParseError: Error, Equatable, CustomStringConvertible {
        var line: Int
        var message: String
        var description: String { "line \(self.line): \(self.message)" }
    }

    /// The assignments in file order.
    private(set) var entries: [Entry] = []

    init(parsing text: String) throws(ParseError) {
        var parser = Parser(text: Array(text.unicodeScalars))
        self.entries = try parser.parseDocument()
    }
}

private struct Parser {
    let text: [Unicode.Scalar]
    var index = 0
    var line = 1

    init(text: [Unicode.Scalar]) {
        self.text = text
    }

    private var current: Unicode.Scalar? { self.index < self.text.count ? self.text[self.index] : nil }

    private func error(_ message: String) -> TOMLDocument.ParseError {
        TOMLDocument.ParseError(line: self.line, message: message)
    }

    private mutating func advance() {
        if self.current == "\n" { self.line += 1 }
        self.index += 1
    }

    private mutating func skipSpaces() {
        while let scalar = self.current, scalar == " " || scalar == "\t" { self.advance() }
    }

    /// Skips spaces, newlines and comments (inside arrays, values may span lines).
    private mutating func skipWhitespaceAndComments() {
        while let scalar = self.current {
            if scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
                self.advance()
            } else if scalar == "#" {
                self.skipComment()
            } else {
                return
            }
        }
    }

    private mutating func skipComment() {
        while let scalar = self.current, scalar != "\n" { self.advance() }
    }

    /// After a statement: only spaces and an optional comment may follow on the line.
    private mutating func expectEndOfLine() throws(TOMLDocument.ParseError) {
        self.skipSpaces()
        if self.current == "#" { self.skipComment() }
        if self.current == "\r" { self.advance() }
        guard self.current == nil || self.current == "\n" else {
            throw self.error("unexpected '\(self.current!)' after the value; one assignment per line")
        }
    }

    mutating func parseDocument() throws(TOMLDocument.ParseError) -> [TOMLDocument.Entry] {
        var entries: [TOMLDocument.Entry] = []
        var table: [String] = []
        var seen: Set<String> = []
        while true {
            self.skipWhitespaceAndComments()
            guard let scalar = self.current else { return entries }
            if scalar == "[" {
                self.advance()
                if self.current == "[" { throw self.error("arrays of tables ([[…]]) are not supported") }
                self.skipSpaces()
                table = try self.parseKey()
                self.skipSpaces()
                guard self.current == "]" else { throw self.error("expected ']' to close the table header") }
                self.advance()
                try self.expectEndOfLine()
                continue
            }
            let line = self.line
            let key = table + (try self.parseKey())
            self.skipSpaces()
            guard self.current == "=" else {
                throw self.error("expected '=' after the key '\(key.joined(separator: "."))'")
            }
            self.advance()
            self.skipSpaces()
            let value = try self.parseValue()
            try self.expectEndOfLine()
            let dotted = key.joined(separator: ".")
            guard seen.insert(dotted).inserted else {
                throw TOMLDocument.ParseError(line: line, message: "the key '\(dotted)' is set twice")
            }
            entries.append(TOMLDocument.Entry(key: dotted, value: value, line: line))
        }
    }

    private mutating func parseKey() throws(TOMLDocument.ParseError) -> [String] {
        var parts: [String] = []
        while true {
            self.skipSpaces()
            if self.current == "\"" || self.current == "'" {
                let quoted = self.current == "\"" ? try self.parseBasicString() : try self.parseLiteralString()
                // TOML allows an empty quoted key; no setting of ours has one, so it can only be a mistake.
                guard !quoted.isEmpty else { throw self.error("an empty quoted key names no setting") }
                parts.append(quoted)
            } else {
                var bare = ""
                while let scalar = self.current, scalar.isBareKeyCharacter {
                    bare.unicodeScalars.append(scalar)
                    self.advance()
                }
                guard !bare.isEmpty else {
                    throw self.error(
                        self.current.map { "unexpected '\($0)' where a key was expected" } ?? "missing key"
                    )
                }
                parts.append(bare)
            }
            self.skipSpaces()
            guard self.current == "." else { return parts }
            self.advance()
        }
    }

    private mutating func parseValue() throws(TOMLDocument.ParseError) -> TOMLDocument.Value {
        guard let scalar = self.current else { throw self.error("missing value") }
        switch scalar {
        case "\"":
            if self.peek("\"\"\"") { throw self.error("multi-line strings are not supported") }
            return .string(try self.parseBasicString())
        case "'":
            if self.peek("'''") { throw self.error("multi-line strings are not supported") }
            return .string(try self.parseLiteralString())
        case "[":
            return try self.parseArray()
        case "{":
            throw self.error("inline tables are not supported; use a [table] header")
        case "t", "f":
            if self.consume("true") { return .boolean(true) }
            if self.consume("false") { return .boolean(false) }
            throw self.error("unexpected '\(scalar)' where a value was expected (strings must be quoted)")
        default:
            return try self.parseNumber()
        }
    }

    private func peek(_ literal: String) -> Bool {
        var position = self.index
        for scalar in literal.unicodeScalars {
            guard position < self.text.count, self.text[position] == scalar else { return false }
            position += 1
        }
        return true
    }

    private mutating func consume(_ literal: String) -> Bool {
        guard self.peek(literal) else { return false }
        for _ in literal.unicodeScalars { self.advance() }
        return true
    }

    private mutating func parseArray() throws(TOMLDocument.ParseError) -> TOMLDocument.Value {
        self.advance()
        var values: [TOMLDocument.Value] = []
        while true {
            self.skipWhitespaceAndComments()
            if self.current == "]" {
                self.advance()
                return .array(values)
            }
            values.append(try self.parseValue())
            self.skipWhitespaceAndComments()
            if self.current == "," {
                self.advance()
            } else if self.current != "]" {
                throw self.error("expected ',' or ']' in the array")
            }
        }
    }

    private mutating func parseBasicString() throws(TOMLDocument.ParseError) -> String {
        self.advance()
        var result = ""
        while true {
            guard let scalar = self.current, scalar != "\n" else { throw self.error("unterminated string") }
            self.advance()
            if scalar == "\"" { return result }
            guard scalar == "\\" else {
                result.unicodeScalars.append(scalar)
                continue
            }
            guard let escape = self.current else { throw self.error("unterminated string") }
            self.advance()
            switch escape {
            case "\"": result += "\""
            case "\\": result += "\\"
            case "n": result += "\n"
            case "t": result += "\t"
            case "r": result += "\r"
            case "u", "U":
                let length = escape == "u" ? 4 : 8
                var hex = ""
                for _ in 0..<length {
                    guard let digit = self.current, digit.properties.isASCIIHexDigit else {
                        throw self.error("\\\(escape) needs \(length) hexadecimal digits")
                    }
                    hex.unicodeScalars.append(digit)
                    self.advance()
                }
                guard let code = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(code) else {
                    throw self.error("\\\(escape)\(hex) is not a Unicode scalar")
                }
                result.unicodeScalars.append(decoded)
            default:
                throw self.error("unknown escape '\\\(escape)' in a string")
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLDocument.ParseError) -> String {
        self.advance()
        var result = ""
        while true {
            guard let scalar = self.current, scalar != "\n" else { throw self.error("unterminated string") }
            self.advance()
            if scalar == "'" { return result }
            result.unicodeScalars.append(scalar)
        }
    }

    private mutating func parseNumber() throws(TOMLDocument.ParseError) -> TOMLDocument.Value {
        var token = ""
        while let scalar = self.current,
            ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-" || scalar == "+" || scalar == "."
                || scalar == "e" || scalar == "E"
        {
            token.unicodeScalars.append(scalar)
            self.advance()
        }
        guard !token.isEmpty else {
            throw self.error(
                self.current.map { "unexpected '\($0)' where a value was expected (strings must be quoted)" }
                    ?? "missing value"
            )
        }
        let digits = token.replacingUnderscores()
        if let integer = Int64(digits) { return .integer(integer) }
        if let float = Double(digits), token.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) {
            return .float(float)
        }
        throw self.error("'\(token)' is not a number (strings must be quoted)")
    }
}

extension Unicode.Scalar {
    /// TOML bare keys: ASCII letters, digits, `_` and `-`.
    fileprivate var isBareKeyCharacter: Bool {
        ("a"..."z").contains(self) || ("A"..."Z").contains(self) || ("0"..."9").contains(self) || self == "_"
            || self == "-"
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String {
        String(self.unicodeScalars.filter { $0 != "_" }.map(Character.init))
    }
}
