/// What a reload (SIGHUP, `systemctl reload`) changes: which keys differ between the running configuration and the
/// new file, split into those applied live and those that need a restart (see Docs/operations.md §4).
public struct ConfigurationReload: Sendable, Equatable {
    /// The keys applied to the running agent at once.
    public static let liveKeys: Set<String> = ["agent.log_level"]

    /// Changed keys applied live.
    public var live: [String]
    /// Changed keys that take effect only after a restart.
    public var needsRestart: [String]

    /// Compares every key's rendered value; the API key (redacted in renderings) by its value.
    public init(from old: AgentConfiguration.Resolved, to new: AgentConfiguration.Resolved) {
        let before = Dictionary(old.listing.map { ($0.key, $0.value) }) { first, _ in first }
        var changed = new.listing.filter { before[$0.key] != $0.value }.map(\.key)
        if old.configuration.dojo.apiKey != new.configuration.dojo.apiKey, !changed.contains("dojo.api_key") {
            changed.append("dojo.api_key")
        }
        changed.sort()
        self.live = changed.filter { Self.liveKeys.contains($0) }
        self.needsRestart = changed.filter { !Self.liveKeys.contains($0) }
    }
}
