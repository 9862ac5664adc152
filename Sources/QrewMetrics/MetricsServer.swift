import Foundation
import Hummingbird
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// Serves the process's metrics at `GET /metrics` in the Prometheus text format (hummingbird),
/// for the coordinator and worker executables' `--metrics-port`. A swift-service-lifecycle
/// ``Service``: it runs until cancelled or shut down gracefully.
public struct MetricsServer: Service {
    /// Address to listen on (`--metrics-bind`, default 127.0.0.1).
    public let host: String
    /// Port to listen on (`--metrics-port`); 0 picks a free one (reported through `onListening`).
    public let port: Int
    /// What the endpoint serves.
    public let registry: PrometheusCollectorRegistry
    /// Called once the server listens, with the port it is bound to.
    public let onListening: @Sendable (Int) -> Void

    public init(
        host: String, port: Int, registry: PrometheusCollectorRegistry, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.host = host
        self.port = port
        self.registry = registry
        self.onListening = onListening
    }

    /// Listens and serves until cancelled. A port that cannot be bound (taken, or an address
    /// not on this host) throws a ``MetricsServerError`` saying what to change.
    public func run() async throws {
        let router = Router()
        router.get("/metrics") { [registry] _, _ -> Response in
            var buffer = ByteBuffer()
            buffer.writeBytes(registry.emitToBuffer())
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"], body: .init(byteBuffer: buffer))
        }
        var logger = Logger(label: "qrew.metrics")
        logger.logLevel = .warning
        let onListening = self.onListening
        let app = Application(
            router: router, configuration: .init(address: .hostname(host, port: port)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        do {
            try await app.run()
        } catch {
            throw MetricsServerError(host: host, port: port, underlying: error)
        }
    }
}

/// Why the metrics endpoint could not serve, with how to fix it.
public struct MetricsServerError: Error, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let underlying: any Error

    public var description: String {
        let text = "\(underlying)"
        if (underlying as? IOError)?.errnoCode == EADDRINUSE || text.contains("Address already in use") {
            return "cannot serve metrics on \(host):\(port): the port is already in use by another process; "
                + "choose a free port with --metrics-port (or QREW_METRICS_PORT), or stop what listens there"
        }
        if (underlying as? IOError)?.errnoCode == EADDRNOTAVAIL || text.contains("Cannot assign requested address") {
            return "cannot serve metrics on \(host):\(port): \(host) is not an address of this host; "
                + "set --metrics-bind (or QREW_METRICS_BIND) to one of its addresses, e.g. 127.0.0.1 or 0.0.0.0"
        }
        return "cannot serve metrics on \(host):\(port): \(text)"
    }
}

extension MetricsServer {
    /// Starts serving in a task of its own and returns it once the server listens, so an
    /// executable can refuse to start when the port is taken; a failure before that throws.
    /// Cancel the returned task to stop serving. (Under a `ServiceGroup`, run the server as a
    /// service instead.)
    public func start() async throws -> Task<Void, Never> {
        let (events, continuation) = AsyncStream.makeStream(of: (any Error)?.self)
        let listening = Mutex(false)
        let server = MetricsServer(host: host, port: port, registry: registry) { [onListening] port in
            listening.withLock { $0 = true }
            onListening(port)
            continuation.yield(nil)
        }
        let task = Task {
            do {
                try await server.run()
            } catch {
                // After start returned, nobody else hears of it.
                if listening.withLock({ $0 }), !Task.isCancelled {
                    FileHandle.standardError.write(Data("metrics: \(error)\n".utf8))
                }
                continuation.yield(error)
            }
            continuation.finish()
        }
        for await event in events {
            if let error = event { throw error }
            return task
        }
        throw MetricsServerError(host: host, port: port, underlying: CancellationError())
    }
}
