/// Reassembles the chunks libwebsockets hands over (frames, and pieces of frames larger than its receive
/// buffer) into whole messages, enforcing the size limit. Pure: no lws, unit-tested on its own.
struct MessageAssembler {
    enum Outcome: Equatable {
        /// More chunks are needed.
        case incomplete
        /// A whole message.
        case message(WebSocketMessage)
        /// The message grew past the limit; the rest of it will be discarded. Reported once per message.
        case tooBig(limit: Int)
        /// A text message whose bytes are not UTF-8.
        case invalidUTF8
    }

    let maxMessageSize: Int
    private var buffer: [UInt8] = []
    private var isBinary = false
    private var inMessage = false
    private var discarding = false

    init(maxMessageSize: Int) {
        self.maxMessageSize = maxMessageSize
    }

    /// Adds one chunk.
    /// - Parameters:
    ///   - chunk: the payload bytes of this callback.
    ///   - isBinary: the opcode of the message's first frame (only read at the start of a message).
    ///   - isFinal: this chunk ends the message (FIN frame and nothing left of its payload).
    mutating func append(_ chunk: UnsafeRawBufferPointer, isBinary: Bool, isFinal: Bool) -> Outcome {
        if !self.inMessage {
            self.inMessage = true
            self.isBinary = isBinary
            self.discarding = false
            self.buffer.removeAll(keepingCapacity: self.buffer.capacity <= 1 << 20)
        }
        var outcome = Outcome.incomplete
        if !self.discarding {
            if self.buffer.count + chunk.count > self.maxMessageSize {
                self.discarding = true
                self.buffer.removeAll()
                outcome = .tooBig(limit: self.maxMessageSize)
            } else {
                self.buffer.append(contentsOf: chunk)
            }
        }
        guard isFinal else { return outcome }
        self.inMessage = false
        if self.discarding { return outcome }
        if self.isBinary { return .message(.binary(self.buffer)) }
        guard let text = String(validating: self.buffer, as: UTF8.self) else { return .invalidUTF8 }
        return .message(.text(text))
    }
}
