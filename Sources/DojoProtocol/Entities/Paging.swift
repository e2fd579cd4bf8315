/// Paging parameters of a search request: a page size and at most one of two opaque cursors.
public struct Cursor: Hashable, Sendable {
    /// Largest page size Dojo may ask for (the spec's `maximum: 100`).
    public static let maximumLimit = 100

    /// The page size asked for, `1...100`; `nil` lets the POS choose.
    @CheckedIfPresent<PageLimit> public var limit: Int?
    /// Opaque cursor of the previous page (from a ``Page/before``).
    @CheckedIfPresent<BoundedID> public var before: String?
    /// Opaque cursor of the next page (from a ``Page/after``).
    @CheckedIfPresent<BoundedID> public var after: String?

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
    public init(from decoder: any Decoder) throws {
        let object = try decoder.container(keyedBy: CodingKeys.self)
        _limit = try object.decode(CheckedIfPresent<PageLimit>.self, forKey: .limit)
        _before = try object.decode(CheckedIfPresent<BoundedID>.self, forKey: .before)
        _after = try object.decode(CheckedIfPresent<BoundedID>.self, forKey: .after)
        if before != nil, after != nil {
            throw JSONValueDecoding.failure(decoder, "before and after are mutually exclusive")
        }
    }
}

extension Cursor: WireSchemaRefining {
    /// `before` and `after` are mutually exclusive.
    public static func refineWireSchema(_ schema: inout [String: JSONValue]) {
        schema["not"] = ["required": ["before", "after"]]
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

extension Page: Codable where Element: Codable {}

extension Page: JSONRepresentable where Element: JSONRepresentable {}
