/// Splits a byte stream into `\n`-terminated lines: the adapter process's stdout and stderr, and the control
/// socket's requests and answers. The one line framer of the agent.
///
/// A trailing `\r` is dropped (a Windows-built adapter may write `\r\n`); blank lines are skipped. A line longer than
/// the limit is never buffered whole: its bytes are dropped as they arrive and it is reported once, by length, when
/// its end is seen, so a runaway process cannot make the agent buffer without bound.
public struct LineFramer: Sendable {
    /// A framed item.
    public enum Item: Equatable, Sendable {
        /// One complete line, without its terminator.
        case line([UInt8])
        /// A line longer than the limit was dropped; it was this many bytes long (at least).
        case oversized(Int)
    }

    /// The longest line kept, in bytes (without its terminator).
    public let maximumLineLength: Int
    private var buffer: [UInt8] = []
    /// Bytes dropped so far of the current over-long line, or `nil` when not discarding.
    private var discarded: Int?

    public init(maximumLineLength: Int) {
        self.maximumLineLength = maximumLineLength
    }

    /// Whether the current line is already over the limit (its bytes are being dropped): a reader that must not
    /// wait for the end of a runaway line (the control socket) stops here.
    public var isDiscarding: Bool { discarded != nil }

    /// Feeds bytes; returns the items they complete.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) -> [Item] {
        var items: [Item] = []
        var start = bytes.startIndex
        while start < bytes.endIndex {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n"))
            let end = newline ?? bytes.endIndex
            let piece = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
            if let dropped = discarded {
                discarded = dropped + piece.count
            } else if buffer.count + piece.count > maximumLineLength {
                discarded = buffer.count + piece.count
                buffer.removeAll(keepingCapacity: false)
            } else {
                buffer.append(contentsOf: piece)
            }
            guard newline != nil else { break }
            items.append(contentsOf: completeLine())
            start = end + 1
        }
        return items
    }

    /// Ends the stream: a last line without a terminator still counts.
    public mutating func finish() -> [Item] {
        completeLine()
    }

    private mutating func completeLine() -> [Item] {
        if let dropped = discarded {
            discarded = nil
            return [.oversized(dropped)]
        }
        defer { buffer.removeAll(keepingCapacity: true) }
        if buffer.last == UInt8(ascii: "\r") { buffer.removeLast() }
        if buffer.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) { return [] }
        return [.line(buffer)]
    }
}
