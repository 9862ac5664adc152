import Foundation

/// Runs short blocking work (waitpid, readiness probes) on a fresh thread so it never occupies
/// one of Swift's few cooperative threads.
enum DetachedThread {
    static func run<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withUnsafeContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.name = name
            thread.start()
        }
    }
}
