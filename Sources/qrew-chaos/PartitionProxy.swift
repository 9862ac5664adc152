import Foundation
import Synchronization

/// A TCP proxy on 127.0.0.1 in front of Redis, through which some workers reach it, so the suite
/// can cut them off as a network partition would, without iptables and without leaving loopback.
///
/// `partition()` black-holes both directions: nothing is read or forwarded any more, connections
/// stay open and nobody gets a FIN or RST, like dropped packets. Bytes sent meanwhile wait in the
/// kernel's buffers, as unacknowledged segments wait to be retransmitted. New connections are
/// still accepted (the kernel would complete the handshake anyway) and black-holed the same way.
/// `heal(reset: false)` resumes forwarding: what waited is delivered late, so a command a client
/// gave up on may still run (as after a real partition). `heal(reset: true)` instead resets every
/// connection (RST to both sides, buffered bytes dropped), as a NAT or firewall that forgot the
/// flows would.
///
/// One thread polls every socket; connection state belongs to it alone, and the other threads
/// only set flags under a mutex and wake it through a pipe.
final class PartitionProxy: Sendable {
    struct StartError: Error, CustomStringConvertible {
        let description: String
    }

    /// The port workers connect to instead of Redis's.
    let port: Int
    let targetPort: Int

    private struct Control {
        var partitioned = false
        var resetRequested = false
        var closed = false
        var connections = 0
    }

    private let control = Mutex(Control())
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32

    /// Listens on a free loopback port and forwards to `127.0.0.1:targetPort`.
    init(targetPort: Int) throws {
        self.targetPort = targetPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw StartError(description: "socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let listening = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw in
                bind(listener, raw, length) == 0 && listen(listener, 128) == 0 && getsockname(listener, raw, &length) == 0
            }
        }
        guard listening else {
            let reason = String(cString: strerror(errno))
            Glibc.close(listener)
            throw StartError(description: "cannot listen on 127.0.0.1: \(reason)")
        }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            Glibc.close(listener)
            throw StartError(description: "pipe: \(String(cString: strerror(errno)))")
        }
        for fd in fds + [listener] { Self.setNonBlocking(fd) }
        self.listener = listener
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.wakeRead = fds[0]
        self.wakeWrite = fds[1]
        let thread = Thread { [self] in serve() }
        thread.name = "qrew-chaos-proxy"
        thread.start()
    }

    /// Connections the proxy holds now (client and Redis side count as one).
    var connectionCount: Int { control.withLock { $0.connections } }

    /// Stops forwarding in both directions; connections stay open.
    func partition() {
        control.withLock { $0.partitioned = true }
        wake()
    }

    /// Resumes forwarding; with `reset`, resets every connection instead of resuming it.
    func heal(reset: Bool) {
        control.withLock {
            $0.partitioned = false
            if reset { $0.resetRequested = true }
        }
        wake()
    }

    /// Closes every connection and the listener; the thread ends.
    func close() {
        control.withLock { $0.closed = true }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = Glibc.write(wakeWrite, &byte, 1)
    }

    // MARK: - The proxy thread

    /// One proxied connection; touched only by the proxy thread.
    private final class Pair {
        let client: Int32
        let server: Int32
        var toServer: [UInt8] = []
        var toClient: [UInt8] = []
        var broken = false

        init(client: Int32, server: Int32) {
            self.client = client
            self.server = server
        }
    }

    /// Bytes read ahead of a slow receiver before the proxy stops reading from its sender.
    private static let bufferCap = 1 << 20

    private func serve() {
        var pairs: [Pair] = []
        while true {
            let (partitioned, reset, closed) = control.withLock { control in
                defer { control.resetRequested = false }
                return (control.partitioned, control.resetRequested, control.closed)
            }
            if closed || reset {
                for pair in pairs { Self.close(pair, reset: reset) }
                pairs.removeAll()
                if closed { break }
            }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0), pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            if !partitioned {
                for pair in pairs {
                    fds.append(pollfd(fd: pair.client, events: Self.events(reading: pair.toServer.count < Self.bufferCap, writing: !pair.toClient.isEmpty), revents: 0))
                    fds.append(pollfd(fd: pair.server, events: Self.events(reading: pair.toClient.count < Self.bufferCap, writing: !pair.toServer.isEmpty), revents: 0))
                }
            }
            guard poll(&fds, nfds_t(fds.count), 1000) >= 0 || errno == EINTR else { break }
            if fds[0].revents != 0 { drainWakePipe() }
            if !partitioned {
                for (index, pair) in pairs.enumerated() {
                    let client = fds[2 + index * 2].revents, server = fds[3 + index * 2].revents
                    if client & Int16(POLLIN | POLLHUP | POLLERR) != 0 { Self.read(pair.client, into: &pair.toServer, pair) }
                    if server & Int16(POLLIN | POLLHUP | POLLERR) != 0 { Self.read(pair.server, into: &pair.toClient, pair) }
                    if client & Int16(POLLOUT) != 0 { Self.write(&pair.toClient, to: pair.client, pair) }
                    if server & Int16(POLLOUT) != 0 { Self.write(&pair.toServer, to: pair.server, pair) }
                }
                for pair in pairs where pair.broken { Self.close(pair, reset: false) }
                pairs.removeAll { $0.broken }
            }
            // Accepted after the polled pairs were handled: fds holds entries only for those.
            if fds[1].revents != 0 { pairs += acceptAll() }
            control.withLock { $0.connections = pairs.count }
        }
        Glibc.close(listener)
        Glibc.close(wakeRead)
        Glibc.close(wakeWrite)
    }

    /// Accepts every waiting client and connects it to Redis; a client Redis refuses is closed.
    private func acceptAll() -> [Pair] {
        var accepted: [Pair] = []
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else { break }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = server >= 0 && withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            guard connected else {
                if server >= 0 { Glibc.close(server) }
                Glibc.close(client)
                continue
            }
            var one: Int32 = 1
            for fd in [client, server] {
                Self.setNonBlocking(fd)
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            }
            accepted.append(Pair(client: client, server: server))
        }
        return accepted
    }

    private static func read(_ fd: Int32, into buffer: inout [UInt8], _ pair: Pair) {
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count > 0 {
            buffer.append(contentsOf: chunk[..<count])
        } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            pair.broken = true
        }
    }

    private static func write(_ buffer: inout [UInt8], to fd: Int32, _ pair: Pair) {
        let count = buffer.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        if count > 0 {
            buffer.removeFirst(count)
        } else if count < 0, errno != EAGAIN, errno != EWOULDBLOCK, errno != EINTR {
            pair.broken = true
        }
    }

    /// Closes both sides; with `reset`, with an RST (SO_LINGER 0) instead of a FIN.
    private static func close(_ pair: Pair, reset: Bool) {
        for fd in [pair.client, pair.server] {
            if reset {
                var hard = linger(l_onoff: 1, l_linger: 0)
                setsockopt(fd, SOL_SOCKET, SO_LINGER, &hard, socklen_t(MemoryLayout<linger>.size))
            }
            Glibc.close(fd)
        }
    }

    private static func events(reading: Bool, writing: Bool) -> Int16 {
        Int16((reading ? POLLIN : 0) | (writing ? POLLOUT : 0))
    }

    private func drainWakePipe() {
        var scratch = [UInt8](repeating: 0, count: 64)
        while Glibc.read(wakeRead, &scratch, scratch.count) > 0 {}
    }

    private static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
    }

    /// A loopback port free right now (bind to port 0, read it, close), so Redis can be started
    /// on a port known before the workers that reach it through the proxy.
    static func freeLoopbackPort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { if fd >= 0 { Glibc.close(fd) } }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = fd >= 0 && withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw StartError(description: "cannot find a free loopback port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }
}
