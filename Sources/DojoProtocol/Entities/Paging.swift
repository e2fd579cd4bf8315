/// Paging parameters of a search request: a page size and at most one of two opaque cursors.
public struct Cursor: Hashable, Sendable {
    /// Largest page size Dojo may ask for (the spec's `maximum: 100`).
    public static let maximumLimit = 100

    /// The page size asked for, `1...100`; `nil` lets the POS choose.
    public var limit: Int?
    /// Opaque cursor of the previous page (from a ``Page/before``).
    public var before: String?
    /// Opaque cursor of the next page (from a ``Page/after``).
    public var after: String?

    /// Creates paging parameters; callers keep `before` and `after` mutually exclusive.
    public init(limit: Int? = nil, before: String? = nil, after: String? = nil) {
        self.limit = limit
        self.before = before
        self.after = after
    }
}

extension Cursor: JSONRepresentable {
    /// Decodes and validates a cursor.
    ///
    /// A `limit` outside `1...100` is refused rather than clamped: the POS then never returns a page larger or
    /// smaller than the one asked for, and a Dojo bug shows up as an `InvalidRequest` naming the bound.
    /// `before` together with `after` is refused, as the spec says they are mutually exclusive.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        let limit = try object.optionalInteger("limit")
        if let limit, !(1...Int64(Self.maximumLimit)).contains(limit) {
            throw JSONField.failure(
                object.path(of: "limit"),
                "must be between 1 and \(Self.maximumLimit), got \(limit)"
            )
        }
        let before = try object.optionalID("before")
        let after = try object.optionalID("after")
        if before != nil, after != nil {
            throw JSONField.failure(path, "before and after are mutually exclusive")
        }
        self.init(limit: limit.map { Int($0) }, before: before, after: after)
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("limit", limit)
        object.set("before", before)
        object.set("after", after)
        return object.value
    }
}

/// One page of search results: `{data, before?, after?}`.
public struct Page<Element: Hashable & Sendable>: Hashable, Sendable {
    /// The results on this page.
    public var data: [Element]
    /// Cursor to fetch the previous page, if there is one.
    public var before: String?
    /// Cursor to fetch the next page, if there is one.
    public var after: String?

    /// Creates a page.
    public init(data: [Element], before: String? = nil, after: String? = nil) {
        self.data = data
        self.before = before
        self.after = after
    }
}

extension Page: Encodable where Element: JSONRepresentable {
    /// Encodes ``jsonValue``.
    public func encode(to encoder: any Encoder) throws {
        try jsonValue.encode(to: encoder)
    }
}

extension Page: Decodable where Element: JSONRepresentable {
    /// Decodes through ``init(json:path:)``.
    public init(from decoder: any Decoder) throws {
        try self.init(json: try JSONValue(from: decoder), path: "")
    }
}

extension Page: JSONRepresentable where Element: JSONRepresentable {
    /// Decodes a page; `data` is required.
    public init(json: JSONValue, path: String) throws(DojoProtocolError) {
        let object = try JSONObjectReader(json, path: path)
        self.init(
            data: try object.requiredArray("data", of: Element.self),
            before: try object.optionalString("before"),
            after: try object.optionalString("after")
        )
    }

    /// The wire object.
    public var jsonValue: JSONValue {
        var object = JSONObjectBuilder()
        object.set("data", data)
        object.set("before", before)
        object.set("after", after)
        return object.value
    }
}
