import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a plain loopback socket (one request per connection, `Connection: close`),
/// standing in for the agent's REST calls to the simulator.
enum HTTPTestClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func send(
        _ method: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        body: String
    ) async throws -> Response {
        // Blocking socket I/O off the cooperative pool, so a delayed answer never starves other tasks.
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                continuation.resume(
                    with: Result { try sendBlocking(method, port: port, path: path, headers: headers, body: body) }
                )
            }.start()
        }
    }

    /// Sends a request head that promises `declaredLength` body bytes, then only `partialBody`, and closes the
    /// connection without waiting for an answer: a client killed mid-request, as chaos runs kill the agent.
    static func abandon(
        _ method: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        declaredLength: Int,
        partialBody: String
    ) throws {
        let fd = try connected(port: port)
        defer { close(fd) }
        let head = requestHead(method, port: port, path: path, headers: headers, length: declaredLength, close: false)
        try writeAll(fd, Array((head + partialBody).utf8))
    }

    /// The request line and headers, up to and including the blank line.
    private static func requestHead(
        _ method: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        length: Int,
        close: Bool
    ) -> String {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\n"
        if close { head += "Connection: close\r\n" }
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        return head + "Content-Length: \(length)\r\n\r\n"
    }

    private static func connected(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            close(fd)
            throw Failure(description: "connect() failed")
        }
        return fd
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard result > 0 else { throw Failure(description: "write() failed") }
            written += result
        }
    }

    private static func sendBlocking(
        _ method: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        body: String
    ) throws -> Response {
        let fd = try connected(port: port)
        defer { close(fd) }
        let head = requestHead(method, port: port, path: path, headers: headers, length: body.utf8.count, close: true)
        try writeAll(fd, Array((head + body).utf8))
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count <= 0 { break }
            received.append(contentsOf: buffer[0..<count])
        }
        let text = String(decoding: received, as: UTF8.self)
        guard let headerEnd = text.range(of: "\r\n\r\n") else {
            throw Failure(description: "no HTTP response: \(text)")
        }
        let lines = text[..<headerEnd.lowerBound].components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw Failure(description: "bad status line \(lines[0])")
        }
        var responseHeaders: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            responseHeaders[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces
            )
        }
        return Response(status: status, headers: responseHeaders, body: String(text[headerEnd.upperBound...]))
    }

    /// The headers the agent sends on every Dojo API call.
    static func agentHeaders(
        apiKey: String = DojoSimulatorDefaults.apiKey,
        softwareHouseID: String = DojoSimulatorDefaults.softwareHouseID,
        version: String = "2026-02-27"
    ) -> [(String, String)] {
        [
            ("Authorization", "Basic \(apiKey)"), ("software-house-id", softwareHouseID), ("version", version),
            ("Content-Type", "application/json"),
        ]
    }
}

enum DojoSimulatorDefaults {
    static let apiKey = "sk_sandbox_dojo_sim"
    static let softwareHouseID = "dojo-sim"
}
