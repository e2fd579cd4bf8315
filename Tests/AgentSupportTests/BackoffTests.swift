import AgentSupport
import Testing

@Suite struct BackoffTests {
    @Test func ceilingsDoubleUpToTheMaximum() {
        let backoff = Backoff(policy: .reconnect)
        let ceilings = (0...8).map { backoff.ceiling(afterFailures: $0) }
        #expect(
            ceilings == [
                .zero, .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60),
                .seconds(60),
            ]
        )
    }

    @Test func authRejectionPolicyMatchesItsTable() {
        let backoff = Backoff(policy: .authRejected)
        #expect(
            (1...6).map { backoff.ceiling(afterFailures: $0) } == [
                .seconds(60), .seconds(120), .seconds(240), .seconds(480), .seconds(900), .seconds(900),
            ]
        )
    }

    @Test func fullJitterDrawsBetweenTheFloorAndTheCeiling() {
        var backoff = Backoff(policy: .reconnect)
        #expect(backoff.nextDelay(random: 0) == .zero)
        #expect(backoff.nextDelay(random: 1) == .seconds(2))
        #expect(backoff.nextDelay(random: 0.5) == .seconds(2))
        #expect(backoff.failures == 3)
        var auth = Backoff(policy: .authRejected)
        #expect(auth.nextDelay(random: 0) == .seconds(30), "the minimum is a floor under every draw")
    }

    @Test func resetsOnlyAfterAHealthyPeriod() {
        var backoff = Backoff(policy: .reconnect)
        _ = backoff.nextDelay(random: 1)
        _ = backoff.nextDelay(random: 1)
        let resetEarly = backoff.recordSuccess(healthyFor: .seconds(5))
        #expect(!resetEarly, "a flapping link keeps backing off")
        #expect(backoff.failures == 2)
        #expect(backoff.nextDelay(random: 1) == .seconds(4))
        let reset = backoff.recordSuccess(healthyFor: .seconds(30))
        #expect(reset)
        #expect(backoff.nextDelay(random: 1) == .seconds(1))
    }
}
