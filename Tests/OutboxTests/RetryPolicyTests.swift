import DojoAgentCore
import Foundation
import Testing

@Suite
struct RetryPolicyTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let policy = RetryPolicy(maxAttempts: 0, maxAge: .seconds(72 * 3600))

    private func decide(
        _ outcome: RetryPolicy.Outcome,
        failures: Int = 0,
        age: Duration = .seconds(1),
        random: Double = 1
    )
        -> RetryPolicy.Decision
    {
        self.policy.decision(for: outcome, previousFailures: failures, age: age, now: self.now, random: random)
    }

    @Test(arguments: [200, 201, 202, 204, 299])
    func twoHundredsAreDelivered(status: Int) {
        #expect(self.decide(.response(status: status, retryAfter: nil, body: "")) == .delivered)
    }

    @Test(arguments: [408, 425, 429, 500, 502, 503, 504, 599])
    func transientStatusesRetryWithTheDeliveryBackoff(status: Int) {
        // Ceiling after the 3rd failure is 4 s; a draw of 1 takes the ceiling, 0.5 half of it.
        #expect(
            self.decide(.response(status: status, retryAfter: nil, body: ""), failures: 2)
                == .retry(after: .seconds(4), reason: "HTTP \(status)")
        )
        #expect(
            self.decide(.response(status: status, retryAfter: nil, body: ""), failures: 2, random: 0.5)
                == .retry(after: .seconds(2), reason: "HTTP \(status)")
        )
    }

    @Test
    func theBackoffIsCappedAtFiveMinutes() {
        #expect(
            self.decide(.failure("connect failed: refused"), failures: 40)
                == .retry(after: .seconds(300), reason: "connect failed: refused")
        )
    }

    @Test(arguments: [400, 404, 410, 413, 422])
    func otherClientErrorsAreDeadLettered(status: Int) {
        #expect(
            self.decide(.response(status: status, retryAfter: nil, body: #"{"title":"bad"}"#))
                == .deadLetter(reason: #"HTTP \#(status) {"title":"bad"}: Dojo refused the event; not retried"#)
        )
    }

    @Test(arguments: [401, 403])
    func refusedCredentialsRetrySlowly(status: Int) {
        guard case .retry(let delay, let reason) = self.decide(.response(status: status, retryAfter: nil, body: ""))
        else {
            Issue.record("expected a retry")
            return
        }
        #expect(delay == .seconds(60))
        #expect(reason == "HTTP \(status): the API key or software-house-id was refused; check dojo.api_key")
    }

    @Test
    func retryAfterSecondsIsHonoured() {
        #expect(
            self.decide(.response(status: 429, retryAfter: "7", body: ""))
                == .retry(after: .seconds(7), reason: "HTTP 429")
        )
        #expect(
            self.decide(.response(status: 503, retryAfter: " 120 ", body: ""))
                == .retry(after: .seconds(120), reason: "HTTP 503")
        )
    }

    @Test
    func retryAfterHTTPDateIsHonoured() {
        // 1_800_000_000 is Fri, 15 Jan 2027 08:00:00 GMT.
        #expect(self.policy.retryAfterDelay("Fri, 15 Jan 2027 08:00:30 GMT", now: self.now) == .seconds(30))
        #expect(self.policy.retryAfterDelay("Fri, 15 Jan 2027 07:00:00 GMT", now: self.now) == .zero)
    }

    @Test
    func retryAfterIsCappedAndGarbageIgnored() {
        #expect(self.policy.retryAfterDelay("86400", now: self.now) == .seconds(3600))
        #expect(self.policy.retryAfterDelay("soon", now: self.now) == nil)
        #expect(
            self.decide(.response(status: 429, retryAfter: "soon", body: ""), random: 0.5)
                == .retry(after: .milliseconds(500), reason: "HTTP 429")
        )
    }

    @Test
    func redirectsAreRetriedNotDeadLettered() {
        guard case .retry(_, let reason) = self.decide(.response(status: 301, retryAfter: nil, body: "")) else {
            Issue.record("expected a retry")
            return
        }
        #expect(reason.contains("check dojo.api_base_url"))
    }

    @Test
    func maxAttemptsDeadLetters() {
        let limited = RetryPolicy(maxAttempts: 3, maxAge: .seconds(3600))
        #expect(
            limited.decision(for: .failure("timeout"), previousFailures: 1, age: .zero, now: self.now, random: 1)
                == .retry(after: .seconds(2), reason: "timeout")
        )
        #expect(
            limited.decision(for: .failure("timeout"), previousFailures: 2, age: .zero, now: self.now, random: 1)
                == .deadLetter(reason: "gave up after 3 attempts (outbox.max_attempts): timeout")
        )
    }

    @Test
    func maxAgeDeadLetters() {
        let decision = self.decide(.response(status: 503, retryAfter: nil, body: ""), age: .seconds(72 * 3600))
        #expect(
            decision == .deadLetter(reason: "undelivered for longer than outbox.max_age (259200.0 seconds): HTTP 503")
        )
    }
}
