/// Encodes an `Encodable` straight into compact JSON text, byte for byte what ``JSONValueEncoder`` followed by
/// ``JSONWriter`` gives, without building the ``JSONValue`` tree in between: the answer to every request goes
/// through here (``ResponseFrame/encoded()``), and the tree's dictionaries (one per object, every key hashed) were
/// most of the cost of an answer.
///
/// Values are written as the synthesised `encode(to:)` calls arrive. Synthesised code uses a keyed container
/// stack-like (it is filled, then the value's `encode(to:)` returns), so an object's members are written in the
/// order the type names them and put in sorted key order, in place, when the value is finished; a repeated key
/// keeps the last value, as the tree's dictionary does. What cannot be written as it arrives (a nested container,
/// a super encoder, a second container for one value: none of this module's types asks for them) marks the
/// encoding as unsupported, and ``encode(_:)`` then writes the value through the tree instead.
struct JSONTextEncoder {
    /// Writes `value`'s JSON after what `writer` holds.
    static func encode<T: Encodable>(_ value: T, into writer: inout JSONWriter) {
        let start = writer.bytes.count
        let state = JSONTextEncoderState(writer: writer)
        writer = JSONWriter(capacity: 0)  // `state` holds the only reference to the buffer: no copy on write
        do {
            try state.write(value)
        } catch {
            // Only a type's own encode(to:) can throw, and none in this module does.
            preconditionFailure("BUG: encoding \(T.self) threw \(error)")
        }
        writer = state.takeWriter()
        if state.unsupported {
            writer.bytes.removeSubrange(start...)
            writer.write(JSONValueEncoder().encode(value))
        }
    }
}

/// The shared state of one encoding: the text, and the open values (a stack, innermost last).
///
/// The buffers sit behind a pointer rather than in stored properties: every member written touches them, and
/// a class's stored properties pay a dynamic exclusivity check per access (a fifth of the encoding's time).
/// Each access is one short statement that calls out to no other code, so accesses never overlap.
final class JSONTextEncoderState {
    /// What one open value has become so far.
    enum Kind {
        case empty, single, object, array
    }

    struct Frame {
        var kind = Kind.empty
        /// Where the value's text starts.
        let start: Int
        /// Where its members start in ``Buffers/members``.
        let firstMember: Int
        /// Elements written so far (an array).
        var count = 0
    }

    /// One member of an open object: its key and where its value's text lies.
    struct Member {
        let key: String
        /// Whether the key is ASCII throughout (then its bytes' order is `String`'s).
        let isASCII: Bool
        /// An ASCII key's first eight bytes, big-endian, zero-padded: most pairs of keys differ in them, so they
        /// are ordered by comparing two integers.
        let prefix: UInt64
        let start: Int
        let end: Int

        init(key: String, start: Int, end: Int) {
            var prefix: UInt64 = 0
            var isASCII = true
            var offset = 0
            for byte in key.utf8 {
                if byte >= 0x80 { isASCII = false }
                if offset < 8 { prefix |= UInt64(byte) << (56 - 8 * offset) }
                offset += 1
            }
            self.key = key
            self.isASCII = isASCII
            self.prefix = prefix
            self.start = start
            self.end = end
        }
    }

    struct Buffers {
        var writer: JSONWriter
        var frames: [Frame] = []
        var members: [Member] = []
        /// Where a finished object is assembled in sorted key order before it replaces its members' text.
        var scratch = JSONWriter(capacity: 0)
        /// Set when a value asked for something that cannot be written as it arrives; the text is then void.
        var unsupported = false
    }

    private let buffers: UnsafeMutablePointer<Buffers>

    init(writer: JSONWriter) {
        buffers = .allocate(capacity: 1)
        buffers.initialize(to: Buffers(writer: writer))
    }

    deinit {
        buffers.deinitialize(count: 1)
        buffers.deallocate()
    }

    /// The text; taking it leaves this state empty.
    func takeWriter() -> JSONWriter {
        let writer = buffers.pointee.writer
        buffers.pointee.writer = JSONWriter(capacity: 0)
        return writer
    }

    var unsupported: Bool {
        get { buffers.pointee.unsupported }
        set { buffers.pointee.unsupported = newValue }
    }

    /// Elements written so far into the array at `depth`.
    func count(at depth: Int) -> Int {
        buffers.pointee.frames.indices.contains(depth) ? buffers.pointee.frames[depth].count : 0
    }

    /// Writes one value: common scalars directly, anything else through its `encode(to:)`.
    func write<T: Encodable>(_ value: T) throws {
        // Metadata comparisons, not dynamic casts: this runs for every nested value.
        if T.self == String.self { return buffers.pointee.writer.writeString(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return buffers.pointee.writer.writeInteger(Int64(unsafeBitCast(value, to: Int.self))) }
        if T.self == Int64.self { return buffers.pointee.writer.writeInteger(unsafeBitCast(value, to: Int64.self)) }
        if T.self == Bool.self {
            return buffers.pointee.writer.appendASCII(unsafeBitCast(value, to: Bool.self) ? "true" : "false")
        }
        if T.self == Timestamp.self {
            return buffers.pointee.writer.writeTimestamp(unsafeBitCast(value, to: Timestamp.self))
        }
        if T.self == JSONValue.self { return buffers.pointee.writer.write(unsafeBitCast(value, to: JSONValue.self)) }
        let frame = Frame(start: buffers.pointee.writer.bytes.count, firstMember: buffers.pointee.members.count)
        buffers.pointee.frames.append(frame)
        let depth = buffers.pointee.frames.count - 1
        try value.encode(to: JSONTextEncoding(state: self, depth: depth))
        finish(buffers.pointee.frames.removeLast())
    }

    /// Writes an already-built JSON value as the value of the frame at `depth` (a hand-coded type's fast path).
    func writeSingle(_ value: JSONValue, depth: Int) {
        guard begin(.single, depth) else { return }
        buffers.pointee.writer.write(value)
    }

    /// Marks the frame at `depth` as `kind`; `false` (and the encoding unsupported) when it already is a value.
    func begin(_ kind: Kind, _ depth: Int) -> Bool {
        guard depth == buffers.pointee.frames.count - 1, buffers.pointee.frames[depth].kind == .empty else {
            unsupported = true
            return false
        }
        buffers.pointee.frames[depth].kind = kind
        if kind == .array { buffers.pointee.writer.bytes.append(UInt8(ascii: "[")) }
        return true
    }

    /// Writes the next element of the array at `depth`.
    func writeElement<T: Encodable>(_ value: T, depth: Int) throws {
        guard depth == buffers.pointee.frames.count - 1 else {
            unsupported = true
            return
        }
        if buffers.pointee.frames[depth].count > 0 { buffers.pointee.writer.bytes.append(UInt8(ascii: ",")) }
        buffers.pointee.frames[depth].count += 1
        try write(value)
    }

    /// Writes the member `key` of the object at `depth`.
    func writeMember<T: Encodable>(_ value: T, key: String, depth: Int) throws {
        guard depth == buffers.pointee.frames.count - 1 else {
            unsupported = true
            return
        }
        let start = buffers.pointee.writer.bytes.count
        try write(value)
        let member = Member(key: key, start: start, end: buffers.pointee.writer.bytes.count)
        buffers.pointee.members.append(member)
    }

    private func finish(_ frame: Frame) {
        switch frame.kind {
        case .empty: buffers.pointee.writer.appendASCII("{}")
        case .single: break
        case .array: buffers.pointee.writer.bytes.append(UInt8(ascii: "]"))
        case .object: buffers.pointee.finishObject(frame)
        }
    }
}

extension JSONTextEncoderState.Buffers {
    /// Replaces the object's members' value text with `{"key":value,…}` in sorted key order.
    fileprivate mutating func finishObject(_ frame: JSONTextEncoderState.Frame) {
        let first = frame.firstMember
        // Insertion sort by key, then by position (an object has a handful of members); swaps move, never copy.
        for index in (first + 1)..<max(first + 1, members.count) {
            var slot = index
            while slot > first, JSONTextEncoderState.orders(members[slot], before: members[slot - 1]) {
                members.swapAt(slot, slot - 1)
                slot -= 1
            }
        }
        scratch.bytes.removeAll(keepingCapacity: true)
        scratch.bytes.reserveCapacity(writer.bytes.count - frame.start + 24 * (members.count - first) + 2)
        scratch.bytes.append(UInt8(ascii: "{"))
        var wrote = false
        for offset in first..<members.count {
            let member = members[offset]
            // A repeated key keeps the value written last (the later one sorts after it).
            if offset + 1 < members.count, members[offset + 1].key == member.key { continue }
            if wrote { scratch.bytes.append(UInt8(ascii: ",")) }
            wrote = true
            scratch.writeString(member.key)
            scratch.bytes.append(UInt8(ascii: ":"))
            scratch.bytes.append(contentsOf: writer.bytes[member.start..<member.end])
        }
        scratch.bytes.append(UInt8(ascii: "}"))
        members.removeSubrange(first...)
        writer.bytes.replaceSubrange(frame.start..., with: scratch.bytes)
    }
}

extension JSONTextEncoderState {
    /// Whether `key` sorts before `other` as `String`'s `<` orders them (the tree's writer sorts with it).
    static func orders(_ key: String, before other: String) -> Bool {
        orders(Member(key: key, start: 0, end: 0), before: Member(key: other, start: 0, end: 0))
    }

    /// Whether `member`'s key sorts before `other`'s as `String`'s `<` orders them. Two ASCII keys (every coding
    /// key) are compared by their bytes, without Unicode machinery; any other pair by `<` (a combining mark even
    /// after a differing byte counts: `"e\u{301}"` is `"é"`, which sorts after `"z"`).
    static func orders(_ member: Member, before other: Member) -> Bool {
        guard member.isASCII, other.isASCII else { return member.key < other.key }
        if member.prefix != other.prefix { return member.prefix < other.prefix }
        var left = member.key
        var right = other.key
        return left.withUTF8 { left in
            right.withUTF8 { right in
                for index in 0..<min(left.count, right.count) where left[index] != right[index] {
                    return left[index] < right[index]
                }
                return left.count < right.count
            }
        }
    }
}

/// The `Encoder` of one value being written by a ``JSONTextEncoderState``.
struct JSONTextEncoding: Encoder {
    let state: JSONTextEncoderState
    /// The value's frame.
    let depth: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        guard state.begin(.object, depth) else {
            return JSONEncoding(node: JSONEncodingNode()).container(keyedBy: type)
        }
        return KeyedEncodingContainer(JSONTextKeyedEncoding<Key>(state: state, depth: depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        guard state.begin(.array, depth) else { return JSONEncoding(node: JSONEncodingNode()).unkeyedContainer() }
        return JSONTextUnkeyedEncoding(state: state, depth: depth)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONTextSingleValueEncoding(state: state, depth: depth)
    }

    /// A container or encoder that cannot be written as it arrives: the encoding falls back to the tree.
    fileprivate static func unsupported(_ state: JSONTextEncoderState) -> JSONEncoding {
        state.unsupported = true
        return JSONEncoding(node: JSONEncodingNode())
    }
}

struct JSONTextKeyedEncoding<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let state: JSONTextEncoderState
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        try state.writeMember(JSONValue.null, key: key.stringValue, depth: depth)
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try state.writeMember(value, key: key.stringValue, depth: depth)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try state.writeMember(value, key: key.stringValue, depth: depth)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        try state.writeMember(value, key: key.stringValue, depth: depth)
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        try state.writeMember(value, key: key.stringValue, depth: depth)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try state.writeMember(value, key: key.stringValue, depth: depth)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type,
        forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        JSONTextEncoding.unsupported(state).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        JSONTextEncoding.unsupported(state).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { JSONTextEncoding.unsupported(state) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { JSONTextEncoding.unsupported(state) }
}

struct JSONTextUnkeyedEncoding: UnkeyedEncodingContainer {
    let state: JSONTextEncoderState
    let depth: Int

    var codingPath: [any CodingKey] { [] }
    var count: Int { state.count(at: depth) }

    mutating func encodeNil() throws { try state.writeElement(JSONValue.null, depth: depth) }
    mutating func encode(_ value: String) throws { try state.writeElement(value, depth: depth) }
    mutating func encode<T: Encodable>(_ value: T) throws { try state.writeElement(value, depth: depth) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        JSONTextEncoding.unsupported(state).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONTextEncoding.unsupported(state).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { JSONTextEncoding.unsupported(state) }
}

struct JSONTextSingleValueEncoding: JSONScalarEncoding {
    let state: JSONTextEncoderState
    let depth: Int

    var codingPath: [any CodingKey] { [] }

    func set(_ value: JSONValue) { state.writeSingle(value, depth: depth) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        guard state.begin(.single, depth) else { return }
        try state.write(value)
    }
}
