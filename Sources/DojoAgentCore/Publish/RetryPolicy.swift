public import AgentSupport
public import Foundation

/// What to do after one delivery attempt: a pure function of the answer, the attempt count and the row's age,
/// unit-tested without I/O.
///
/// | Answer | Decision |
/// |---|---|
/// | 2xx | delivered |
/// | 408, 425, 429, 5xx | retry: after `Retry-After` if given (seconds or HTTP-date, capped at `maxRetryAfter`), else the `.delivery` backoff (full jitter, 1 s doubling to 5 min) |
/// | 401, 403 | retry with the `.authRejected` backoff (minutes): the event is fine, the credentials are not; dead-lettering every event would need an operator to revive them all after fixing the key |
/// | 409 | retry with backoff (an id-only event cannot conflict; treat as Dojo-side transient) |
/// | other 4xx | dead-letter with status and body, never retried blindly |
/// | 1xx, 3xx (redirects are not followed), other | retry with backoff and say so: a misconfigured `api_base_url` must not dead-letter every event |
/// | network error, timeout, TLS failure | retry with backoff |
///
/// After any retryable failure the row is dead-lettered instead when it has now failed `maxAttempts` times
/// (0 = unlimited) or is older than `maxAge`.
public struct RetryPolicy: Sendable {
    /// The result of one attempt.
    public enum Outcome: Sendable, Hashable {
        /// An HTTP answer: its status, `Retry-After` header (if any) and body.
        case response(status: Int, retryAfter: String?, body: String)
        /// No answer: a network error, timeout or TLS failure, described.
        case failure(String)
    }

    /// What to do with the row.
    public enum Decision: Sendable, Hashable {
        /// Delete it (2xx).
        case delivered
        /// Try again after this long; `reason` is stored as the row's last error.
        case retry(after: Duration, reason: String)
        /// Move it to the dead-letter table.
        case deadLetter(reason: String)
    }

    /// Backoff for ordinary retryable failures.
    public var backoff: Backoff.Policy = .delivery
    /// Backoff after 401/403.
    public var authBackoff: Backoff.Policy = .authRejected
    /// Dead-letter after this many failed attempts; 0 means unlimited (`outbox.max_attempts`).
    public var maxAttempts: Int = 0
    /// Dead-letter a row that still fails once it is older than this (`outbox.max_age`, default 72 h).
    public var maxAge: Duration = .seconds(72 * 3600)
    /// The longest `Retry-After` honoured; longer values are capped to it. Default 1 h.
    public var maxRetryAfter: Duration = .seconds(3600)

    public init(maxAttempts: Int = 0, maxAge: Duration = .seconds(72 * 3600)) {
        self.maxAttempts = maxAttempts
        self.maxAge = maxAge
    }

    /// Decides what to do after an attempt.
    ///
    /// - Parameters:
    ///   - outcome: the answer.
    ///   - previousFailures: failed attempts before this one (the row's stored `attempts`).
    ///   - age: how long ago the row was first published.
    ///   - now: the current time (for an HTTP-date `Retry-After`).
    ///   - random: a uniform draw in `0...1` for the jitter.
    public func decision(
        for outcome: Outcome,
        previousFailures: Int,
        age: Duration,
        now: Date,
        random: Double
    ) -> Decision {
        let failures = previousFailures + 1
        let delay: Duration
        let reason: String
        switch outcome {
        case .response(let status, let retryAfter, let body):
            if (200..<300).contains(status) { return .delivered }
            let summary = Self.summary(status: status, body: body)
            switch status {
            case 408, 425, 429, 500..<600:
                reason = summary
                delay =
                    retryAfter.flatMap { self.retryAfterDelay($0, now: now) }
                    ?? Self.jittered(self.backoff, failures: failures, random: random)
            case 401, 403:
                reason = "\(summary): the API key or software-house-id was refused; check dojo.api_key"
                delay = Self.jittered(self.authBackoff, failures: failures, random: random)
            case 409:
                reason = summary
                delay = Self.jittered(self.backoff, failures: failures, random: random)
            case 400..<500:
                return .deadLetter(reason: "\(summary): Dojo refused the event; not retried")
            default:
                reason = "\(summary): unexpected status (redirects are not followed; check dojo.api_base_url)"
                delay = Self.jittered(self.backoff, failures: failures, random: random)
            }
        case .failure(let description):
            reason = description
            delay = Self.jittered(self.backoff, failures: failures, random: random)
        }
        if self.maxAttempts > 0, failures >= self.maxAttempts {
            return .deadLetter(reason: "gave up after \(failures) attempts (outbox.max_attempts): \(reason)")
        }
        if age >= self.maxAge {
            return .deadLetter(reason: "undelivered for longer than outbox.max_age (\(self.maxAge)): \(reason)")
        }
        return .retry(after: delay, reason: reason)
    }

    /// The delay `Retry-After` asks for: delta-seconds or an HTTP-date (RFC 9110 §10.2.3), capped at
    /// `maxRetryAfter`; nil if the value is neither.
    public func retryAfterDelay(_ value: String, now: Date) -> Duration? {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let requested: Duration
        if !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) {
            guard let seconds = Int64(trimmed) else { return self.maxRetryAfter }
            requested = .seconds(seconds)
        } else if let date = Self.httpDate(trimmed) {
            requested = .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
        } else {
            return nil
        }
        return min(requested, self.maxRetryAfter)
    }

    /// Full jitter over the policy's ceiling after `failures` failures (as `Backoff.nextDelay`; the stored attempt
    /// count is the backoff's state here, so it is not kept in a `Backoff` value).
    static func jittered(_ policy: Backoff.Policy, failures: Int, random: Double) -> Duration {
        let ceiling = Backoff(policy: policy).ceiling(afterFailures: failures)
        return max(ceiling * min(max(random, 0), 1), policy.minimum)
    }

    private static func summary(status: Int, body: String) -> String {
        let excerpt = body.prefix(200).replacingOccurrences(of: "\n", with: " ")
        return excerpt.isEmpty ? "HTTP \(status)" : "HTTP \(status) \(excerpt)"
    }

    /// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only HTTP-date form senders may generate.
    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return formatter.date(from: text)
    }
}
