/// The agent's name and version, as `dojo-agent --version` prints them and the process adapter's `initialize`
/// announces them.
public enum AgentInfo {
    public static let name = "dojo-agent"
    public static let version = "0.1.0"
    /// `dojo-agent 0.1.0 (EPOS Data API JSON-RPC v1)`.
    public static let description = "\(name) \(version) (EPOS Data API JSON-RPC v1)"
}
