import AgentSupport
import Dispatch

/// What the watchdog asks of the agent's long loops: each registers a probe, a cheap way to have the loop itself
/// call back on its next turn (through its own queue: the lws service thread's command queue, the publisher's
/// wake-up, the control server's request stream). An idle loop is woken by the probe, so no loop has to tick on a
/// timer to look alive, and a loop wedged in a turn never answers.
///
/// The watchdog runs rounds: ``silentLoops()`` names every loop that has not answered the latest round's probe,
/// then ``probeAll()`` starts the next round. systemd is petted only when no loop is silent.
public final class Liveness: Sendable {
    /// How a loop is asked: the loop must call `answer` from its own turn.
    public typealias Probe = @Sendable (_ answer: @escaping @Sendable () -> Void) -> Void

    private struct Loop {
        var probe: Probe
        /// The round of the last probe sent, and of the last answer received.
        var asked: UInt64 = 0
        var answered: UInt64 = 0
        var askedAt: ContinuousClock.Instant?
    }

    private struct State {
        var loops: [String: Loop] = [:]
        var round: UInt64 = 0
        var wedged: Set<String> = []
    }

    private let state = PThreadLock(State())

    public init() {}

    /// Adds (or replaces) the loop `name`.
    public func register(_ name: String, probe: @escaping Probe) {
        self.state.withLock { $0.loops[name] = Loop(probe: probe) }
    }

    /// Removes the loop `name` (it ended normally).
    public func unregister(_ name: String) {
        _ = self.state.withLock { $0.loops.removeValue(forKey: name) }
    }

    /// The registered loops, sorted.
    public var names: [String] { self.state.withLock { $0.loops.keys.sorted() } }

    /// The loops that have not answered their last probe, and for how long they have been asked.
    public func silentLoops(now: ContinuousClock.Instant = .now) -> [(name: String, silentFor: Duration)] {
        self.state.withLock { state in
            state.loops.compactMap { name, loop in
                guard loop.answered < loop.asked, let askedAt = loop.askedAt else { return nil }
                return (name, askedAt.duration(to: now))
            }
            .sorted { $0.name < $1.name }
        }
    }

    /// Starts a round: probes every loop. A silent loop is asked again too, so a probe lost on the way (a
    /// connection that ended just as it was asked) cannot make a live loop look wedged: any later answer counts.
    /// Its silence is measured from its oldest unanswered probe.
    public func probeAll(now: ContinuousClock.Instant = .now) {
        let round = self.state.withLock { state -> UInt64 in
            state.round += 1
            return state.round
        }
        let asks: [Ask] = self.state.withLock { state in
            var asks: [Ask] = []
            for (name, var loop) in state.loops {
                if loop.answered >= loop.asked { loop.askedAt = now }
                loop.asked = round
                state.loops[name] = loop
                asks.append(Ask(name: name, probe: loop.probe, wedge: state.wedged.remove(name) != nil))
            }
            return asks
        }
        for ask in asks {
            if ask.wedge {
                ask.probe { Liveness.blockForever() }
            } else {
                let name = ask.name
                ask.probe { [weak self] in self?.answered(name, round: round) }
            }
        }
    }

    private struct Ask {
        var name: String
        var probe: Probe
        var wedge: Bool
    }

    /// Test hook (`DOJO_AGENT_TEST_HOOKS=1`, control command `test-wedge`): the next probe of `name` blocks the
    /// thread that answers it, for ever, as a loop stuck in a blocking call would. Returns false for an unknown loop.
    public func wedge(_ name: String) -> Bool {
        self.state.withLock { state in
            guard state.loops[name] != nil else { return false }
            state.wedged.insert(name)
            return true
        }
    }

    private func answered(_ name: String, round: UInt64) {
        self.state.withLock { state in
            guard var loop = state.loops[name] else { return }
            loop.answered = max(loop.answered, round)
            state.loops[name] = loop
        }
    }

    private static func blockForever() {
        DispatchSemaphore(value: 0).wait()
    }
}
