import Logging
import ServiceLifecycle
import UnixSignals

/// Logs each shutdown signal the process receives (`received SIGTERM`), so the log says why a
/// drain began; the `ServiceGroup` itself turns the signal into the graceful shutdown.
public struct ShutdownSignalLog: Service, CustomStringConvertible {
    let logger: Logger
    let signals: [UnixSignal]

    public init(logger: Logger, signals: [UnixSignal] = [.sigterm, .sigint]) {
        self.logger = logger
        self.signals = signals
    }

    public var description: String { "ShutdownSignalLog" }

    public func run() async {
        await cancelWhenGracefulShutdown { [logger, signals] in
            for await signal in await UnixSignalsSequence(trapping: signals) {
                logger.info("received \(signal)")
            }
        }
    }
}
