import Foundation

/// Time as the suite reports it: seconds since the suite started (for the timeline) and wall
/// milliseconds (the unit of the side-effect lines and of Redis event timestamps).
struct ChaosClock: Sendable {
    let start = ContinuousClock.now

    var elapsed: Duration { start.duration(to: .now) }

    /// `[ 12.3s]`, the prefix of every timeline line.
    var stamp: String { String(format: "[%6.1fs]", Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) }

    static var wallMilliseconds: Int { Int(Date().timeIntervalSince1970 * 1000) }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
    /// `1.3s`, for the timeline.
    var short: String { String(format: "%.1fs", seconds) }
    var milliseconds: Int { Int(components.seconds) * 1000 + Int(components.attoseconds / 1_000_000_000_000_000) }
}
