import Dispatch
import Foundation

/// Turns SIGTERM and SIGINT into a call on a dispatch queue instead of the default "die now",
/// so the worker can drain. The signals are ignored first so the default action never runs.
final class SignalDrain {
    private let sources: [any DispatchSourceSignal]

    init(signals: [Int32], handler: @escaping @Sendable (Int32) -> Void) {
        let queue = DispatchQueue(label: "qrew-worker.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { handler(number) }
            source.resume()
            return source
        }
    }

    /// Stops watching; the signals stay ignored.
    func cancel() {
        for source in sources { source.cancel() }
    }
}
