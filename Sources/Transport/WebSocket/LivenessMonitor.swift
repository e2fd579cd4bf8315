/// Decides when to ping and when the peer is dead. Pure: time is passed in (monotonic microseconds), so the rule
/// is unit-tested without sockets or sleeps.
///
/// Rule: ping every `pingInterval`, whatever else is flowing (libwebsockets' "validity" idea: only a round trip
/// proves the path). After a ping, a pong *or any other inbound frame* proves the peer alive; if neither arrives
/// within `pongTimeout`, the peer is dead. Worst-case detection time is `pingInterval + pongTimeout`.
///
/// | event (interval 20 s, timeout 10 s)  | at    | action                   |
/// |--------------------------------------|-------|--------------------------|
/// | connection open                      | 0 s   | wait until 20 s          |
/// | timer                                | 20 s  | send ping, wait to 30 s  |
/// | pong arrives                         | 20.1 s| wait until 40 s          |
/// | timer                                | 40 s  | send ping, wait to 50 s  |
/// | (nothing arrives) timer              | 50 s  | peer dead: close 1001    |
struct LivenessMonitor {
    enum Action: Equatable {
        /// Send a ping now, then call `timerFired` again after `recheckAfter` microseconds.
        case sendPing(recheckAfter: Int64)
        /// Nothing to do yet; call `timerFired` again after this many microseconds.
        case wait(Int64)
        /// No proof of life within the timeout.
        case peerDead
    }

    let pingInterval: Int64
    let pongTimeout: Int64
    private var nextPingAt: Int64 = 0
    private var pingSentAt: Int64?

    init(pingInterval: Int64, pongTimeout: Int64) {
        self.pingInterval = max(pingInterval, 1)
        self.pongTimeout = max(pongTimeout, 1)
    }

    /// The connection opened at `now`. Returns microseconds until the first timer.
    mutating func opened(at now: Int64) -> Int64 {
        self.nextPingAt = now + self.pingInterval
        self.pingSentAt = nil
        return self.pingInterval
    }

    /// A pong or any data frame arrived at `now`. When this answers an outstanding ping, returns the microseconds
    /// until the next ping is due, so the caller re-arms its timer (it was waiting for the pong deadline).
    mutating func trafficReceived(at now: Int64) -> Int64? {
        guard self.pingSentAt != nil else { return nil }
        self.pingSentAt = nil
        return max(0, self.nextPingAt - now)
    }

    /// The timer fired at `now`.
    mutating func timerFired(at now: Int64) -> Action {
        if let sentAt = self.pingSentAt {
            let deadline = sentAt + self.pongTimeout
            if now >= deadline { return .peerDead }
            // Still waiting for the pong: the next ping is not due before it arrives (or the deadline passes).
            let wake = self.nextPingAt > now ? min(deadline, self.nextPingAt) : deadline
            return .wait(wake - now)
        }
        if now >= self.nextPingAt {
            self.pingSentAt = now
            self.nextPingAt = now + self.pingInterval
            return .sendPing(recheckAfter: min(self.pongTimeout, self.pingInterval))
        }
        return .wait(self.nextPingAt - now)
    }
}
