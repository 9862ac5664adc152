#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File-descriptor calls that spawning needs and Swift's Glibc module leaves out or makes awkward.
package enum Descriptors {
    /// A pipe whose ends are both close-on-exec, so a child spawned concurrently for something
    /// else never inherits them (it would keep the reader from seeing EOF). Nil with errno set.
    package static func makePipe() -> (read: Int32, write: Int32)? {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        if let pipe2 = GNU.pipe2 {
            guard pipe2(&fds, O_CLOEXEC) == 0 else { return nil }
            return (fds[0], fds[1])
        }
        #endif
        // Without pipe2 a child forked between pipe() and fcntl() may inherit these ends; only
        // a libc older than glibc 2.9 lacks it.
        guard pipe(&fds) == 0 else { return nil }
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        return (fds[0], fds[1])
    }

    /// A close-on-exec Unix socket pair of `type` (`SOCK_STREAM`, `SOCK_SEQPACKET`). Nil with errno set.
    static func makeSocketPair(_ type: Int32) -> (Int32, Int32)? {
        var fds: [Int32] = [-1, -1]
        #if canImport(Glibc)
        let flags = Int32(SOCK_CLOEXEC.rawValue)
        #else
        let flags: Int32 = 0
        #endif
        guard socketpair(AF_UNIX, type | flags, 0, &fds) == 0 else { return nil }
        return (fds[0], fds[1])
    }

    /// A close-on-exec duplicate of `fd` numbered 10 or more, so spawn file actions that fill
    /// the low fds never overwrite a source before it is used. -1 with errno set.
    static func duplicateHigh(_ fd: Int32) -> Int32 {
        fcntl(fd, F_DUPFD_CLOEXEC, 10)
    }

    /// Sends `bytes` from `offset` on a socket without raising SIGPIPE; with `wait` false only
    /// what fits in the socket's buffer now. Returns where it stopped.
    static func send(_ socket: Int32, _ bytes: [UInt8], from offset: Int = 0, wait: Bool) -> Int {
        var sent = offset
        let flags = Int32(MSG_NOSIGNAL) | (wait ? 0 : Int32(MSG_DONTWAIT))
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, bytes.count - sent, flags) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            sent += n
        }
        return sent
    }

    /// Sends one message holding `data` and, as `SCM_RIGHTS`, `descriptors`; false with errno set.
    static func sendMessage(_ socket: Int32, data: Int32, descriptors: [Int32]) -> Bool {
        // CMSG_LEN / CMSG_SPACE by hand: the macros are not imported into Swift.
        let align = MemoryLayout<Int>.size
        func aligned(_ n: Int) -> Int { (n + align - 1) & ~(align - 1) }
        let headerSize = aligned(MemoryLayout<cmsghdr>.size)
        let descriptorBytes = descriptors.count * MemoryLayout<Int32>.size
        let controlSize = headerSize + aligned(descriptorBytes)
        let control = UnsafeMutableRawPointer.allocate(byteCount: controlSize, alignment: MemoryLayout<cmsghdr>.alignment)
        defer { control.deallocate() }
        control.initializeMemory(as: UInt8.self, repeating: 0, count: controlSize)
        let header = control.bindMemory(to: cmsghdr.self, capacity: 1)
        header.pointee.cmsg_len = .init(headerSize + descriptorBytes)
        header.pointee.cmsg_level = SOL_SOCKET
        header.pointee.cmsg_type = Int32(SCM_RIGHTS)
        descriptors.withUnsafeBytes { (control + headerSize).copyMemory(from: $0.baseAddress!, byteCount: descriptorBytes) }

        var value = data
        return withUnsafeMutableBytes(of: &value) { dataBytes in
            var vector = iovec(iov_base: dataBytes.baseAddress, iov_len: dataBytes.count)
            return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                var message = msghdr()
                message.msg_iov = vectorPointer
                message.msg_iovlen = 1
                message.msg_control = control
                message.msg_controllen = .init(controlSize)
                while true {
                    let n = sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                    if n < 0 && errno == EINTR { continue }
                    return n == dataBytes.count
                }
            }
        }
    }
}

#if canImport(Glibc)
/// glibc functions that Swift's Glibc module does not import (they are declared only under
/// `_GNU_SOURCE`), looked up once at run time rather than adding a C shim target. Both exist
/// in every glibc since 2.29 (Debian bookworm has 2.36); callers fall back when one is missing.
private enum GNU {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32

    static let pipe2: Pipe2? = symbol("pipe2")

    private static func symbol<F>(_ name: String) -> F? {
        guard let handle = dlopen(nil, RTLD_NOW), let sym = dlsym(handle, name) else { return nil }
        return unsafeBitCast(sym, to: F.self)
    }
}
#endif
