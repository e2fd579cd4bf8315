/// A duration as `agent.conf` writes it and log lines show it: the largest whole unit, `90s`, `5m`, `1h`,
/// `250ms` (milliseconds are the finest grain the configuration takes).
public func formatDuration(_ duration: Duration) -> String {
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    if milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
    if milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)m" }
    if milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
    return "\(milliseconds)ms"
}
