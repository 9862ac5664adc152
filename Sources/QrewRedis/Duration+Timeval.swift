import CHiredis

extension Duration {
    /// The duration as a C `timeval`, as hiredis wants for connect and socket timeouts;
    /// negative durations clamp to zero.
    var timeval: timeval {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return CHiredis.timeval(tv_sec: 0, tv_usec: 0) }
        return CHiredis.timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }

    /// The duration in (fractional) seconds.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
