#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic time in microseconds, for timers on the service thread (which cannot use Swift clocks' `sleep`).
func monotonicMicroseconds() -> Int64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
}

extension Duration {
    /// Whole microseconds, saturating at zero.
    var microseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return max(0, seconds * 1_000_000 + attoseconds / 1_000_000_000_000)
    }

    /// Whole seconds rounded up, at least 1 (libwebsockets' timeouts are in whole seconds).
    var wholeSecondsAtLeastOne: UInt32 {
        let micros = self.microseconds
        return UInt32(clamping: max(1, (micros + 999_999) / 1_000_000))
    }
}
