import ServiceLifecycle

/// One coordinator loop as a swift-service-lifecycle `Service`: a graceful shutdown cancels it,
/// and it ends after its current step (the loops stop on cancellation).
struct CoordinatorLoopService: Service, CustomStringConvertible {
    let description: String
    let loop: @Sendable () async -> Void

    func run() async {
        await cancelWhenGracefulShutdown { await loop() }
    }
}
