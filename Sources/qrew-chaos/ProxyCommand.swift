import ArgumentParser
import Foundation

/// `qrew-chaos proxy`: the suite's partition proxy on its own, to cut a worker off from Redis by
/// hand (docs/operations.md, "Partitioning a worker by hand").
struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "A TCP proxy in front of Redis that black-holes traffic on a signal, to partition a worker by hand.",
        discussion: """
            Listens on a free 127.0.0.1 port (printed) and forwards to 127.0.0.1:--to. Start a worker with \
            --redis redis://127.0.0.1:<printed port>, then: kill -USR1 <pid> black-holes both directions \
            (connections stay open, no FIN or RST, like dropped packets); kill -USR2 <pid> resumes them; \
            kill -HUP <pid> heals by resetting every held connection. Ctrl-C stops.
            """)

    @Option(help: "The Redis port on 127.0.0.1 to forward to.")
    var to: Int

    func validate() throws {
        guard (1...65535).contains(to) else { throw ValidationError("--to must be a port from 1 to 65535") }
    }

    func run() async throws {
        let proxy = try PartitionProxy(targetPort: to)
        say("qrew-chaos proxy: pid \(getpid()) listening on 127.0.0.1:\(proxy.port), forwarding to 127.0.0.1:\(to)")
        say("  kill -USR1 \(getpid())  partition (black hole)   kill -USR2 \(getpid())  heal   kill -HUP \(getpid())  heal with reset")
        let queue = DispatchQueue(label: "qrew-chaos.proxy-signals")
        var sources: [any DispatchSourceSignal] = []
        let actions: [(Int32, @Sendable () -> Void)] = [
            (SIGUSR1, { proxy.partition(); say("partitioned: \(proxy.connectionCount) connection(s) held") }),
            (SIGUSR2, { proxy.heal(reset: false); say("healed: held connections resumed") }),
            (SIGHUP, { proxy.heal(reset: true); say("healed: held connections reset") }),
        ]
        for (number, action) in actions {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler(handler: action)
            source.resume()
            sources.append(source)
        }
        while !Task.isCancelled {
            try await Task.sleep(for: .seconds(3600))
        }
        withExtendedLifetime(sources) {}
    }
}
