import Hummingbird
import Logging
import NIOCore
import QrewQueue

/// Builds the `qrew-web` application: the API and dashboard routes on `configuration`'s
/// address. `onListening` is told the bound port once the server listens (`--port 0`).
public enum WebServer {
    public static func application(
        queue: QueueClient, configuration: WebConfiguration, logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let api = try WebAPI(queue: queue, configuration: configuration)
        return Application(
            router: api.router(),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "qrew-web"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? configuration.port) },
            logger: logger)
    }
}
