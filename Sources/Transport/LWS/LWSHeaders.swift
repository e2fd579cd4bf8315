import CLibWebSockets

/// Request headers prepared the way `lws_add_http_header_by_name` wants them, and written in the
/// `CLIENT_APPEND_HANDSHAKE_HEADER` callback. Shared by the WebSocket upgrade and the HTTP client.
///
/// lws copies the name verbatim and reads it with `strlen`, so each name carries its trailing `:` and a NUL; each
/// value carries a NUL too, so its buffer is never empty (its length excludes the NUL).
struct LWSHeaders: Sendable {
    private let entries: [(name: [UInt8], value: [UInt8])]

    init(_ headers: [(name: String, value: String)]) {
        self.entries = headers.map { (Array(($0.name + ":").utf8) + [0], Array($0.value.utf8) + [0]) }
    }

    enum AppendResult: Equatable {
        case written
        /// lws gave no buffer to write into.
        case noBuffer
        /// The header with this name did not fit in lws' header buffer (`pt_serv_buf_size`).
        case tooLarge(name: String)
    }

    /// Writes every header. Call only from `CLIENT_APPEND_HANDSHAKE_HEADER`, with its `in` (an `unsigned char **`
    /// cursor) and `len` (the room left).
    func append(to wsi: OpaquePointer, data: UnsafeMutableRawPointer, room: Int) -> AppendResult {
        let cursor = data.assumingMemoryBound(to: UnsafeMutablePointer<UInt8>?.self)
        guard let start = cursor.pointee else { return .noBuffer }
        let end = start + room
        for header in self.entries {
            let result = header.name.withUnsafeBufferPointer { name in
                header.value.withUnsafeBufferPointer { value in
                    lws_add_http_header_by_name(
                        wsi,
                        name.baseAddress,
                        value.baseAddress,
                        Int32(value.count - 1),
                        cursor,
                        end
                    )
                }
            }
            if result != 0 { return .tooLarge(name: String(decoding: header.name.dropLast(2), as: UTF8.self)) }
        }
        return .written
    }
}
