/// The parts of an absolute `scheme://host[:port][/path][?query]` URL that a client needs, shared by the WebSocket
/// endpoint (`ws`/`wss`) and the HTTP client (`http`/`https`). Deliberately small: no user info, no fragments,
/// no percent-decoding (the path is sent exactly as given).
struct URLParts: Equatable {
    /// Why a URL was refused; the caller wraps it into its own error type.
    struct Problem: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// Whether the secure scheme was used.
    var isSecure: Bool
    /// Host name or IP address (IPv6 without brackets).
    var host: String
    var port: Int
    /// Path and query, starting with `/`.
    var path: String

    /// Parses `url` whose scheme must be `plainScheme` or `secureScheme` (without `://`).
    init(_ url: String, plainScheme: String, secureScheme: String) throws(Problem) {
        let rest: Substring
        if url.hasPrefix(secureScheme + "://") {
            self.isSecure = true
            rest = url.dropFirst(secureScheme.count + 3)
        } else if url.hasPrefix(plainScheme + "://") {
            self.isSecure = false
            rest = url.dropFirst(plainScheme.count + 3)
        } else {
            throw Problem("the scheme must be \(plainScheme):// or \(secureScheme)://")
        }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }
        guard !authority.isEmpty else { throw Problem("the host is missing") }
        guard !authority.contains("@") else { throw Problem("credentials in the URL are not supported; use headers") }
        guard !target.contains("#") else { throw Problem("fragments (#…) are not supported") }
        guard !target.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) else {
            throw Problem("the path contains a space or a control character")
        }
        var host = Substring(authority)
        var port = self.isSecure ? 443 : 80
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Problem("unterminated IPv6 address") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()), (1...65535).contains(parsed) else {
                    throw Problem("the port must be a number from 1 to 65535")
                }
                port = parsed
            } else if !after.isEmpty {
                throw Problem("unexpected characters after the IPv6 address")
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            guard let parsed = Int(authority[authority.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw Problem("the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        guard !host.isEmpty else { throw Problem("the host is missing") }
        self.host = String(host)
        self.port = port
        self.path = target
    }

    /// The `Host` header value: the host, plus the port when it is not the scheme's default.
    var hostHeader: String {
        Self.hostHeader(host: self.host, port: self.port, isSecure: self.isSecure)
    }

    static func hostHeader(host: String, port: Int, isSecure: Bool) -> String {
        let printable = host.contains(":") ? "[\(host)]" : host
        return port == (isSecure ? 443 : 80) ? printable : "\(printable):\(port)"
    }
}

/// Header names are RFC 9110 tokens restricted to what the agent sends (letters, digits, `-`); values have no line
/// breaks (header injection). Shared by the WebSocket handshake and HTTP requests.
enum HeaderCheck {
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }

    static func isValidValue(_ value: String) -> Bool {
        !value.unicodeScalars.contains { $0 == "\r" || $0 == "\n" || $0 == "\0" }
    }
}
