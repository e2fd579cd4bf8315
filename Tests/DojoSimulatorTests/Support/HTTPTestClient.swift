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

    private static func sendBlocking(
        _ method: String,
        port: Int,
        path: String,
        headers: [(String, String)],
        body: String
    ) throws -> Response {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket() failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw Failure(description: "connect() failed") }
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "Content-Length: \(body.utf8.count)\r\n\r\n\(body)"
        let bytes = Array(request.utf8)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard result > 0 else { throw Failure(description: "write() failed") }
            written += result
        }
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
