import ServiceLifecycle

/// One worker loop as a swift-service-lifecycle `Service`. A graceful shutdown cancels it (the
/// loops stop on cancellation), unless it handles shutdown itself (the claim loop, which drains).
struct WorkerLoopService: Service, CustomStringConvertible {
    let description: String
    var stopsOnGracefulShutdown = true
    let loop: @Sendable () async -> Void

    func run() async {
        if stopsOnGracefulShutdown {
            await cancelWhenGracefulShutdown { await loop() }
        } else {
            await loop()
        }
    }
}
