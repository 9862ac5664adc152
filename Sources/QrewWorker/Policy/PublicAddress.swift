#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Classifies IP addresses for `--http-deny-private`: which ones an `http` task may reach.
///
/// Anything not globally routable is refused: loopback, RFC 1918 private, carrier-grade NAT,
/// link-local (including cloud metadata at 169.254.169.254), unique-local, site-local,
/// multicast, unspecified, broadcast, reserved and documentation ranges, and IPv6 forms that
/// embed an IPv4 address (mapped, compatible, NAT64, 6to4) when the embedded one is refused.
enum PublicAddress {
    /// Why `bytes` (4 or 16 of them) is not a public address, or nil when it is.
    static func refusal(_ bytes: [UInt8]) -> String? {
        switch bytes.count {
        case 4: return ipv4Refusal(bytes)
        case 16: return ipv6Refusal(bytes)
        default: return "not an IP address"
        }
    }

    private static func ipv4Refusal(_ b: [UInt8]) -> String? {
        switch (b[0], b[1]) {
        case (0, _): return "unspecified/this network (0.0.0.0/8)"
        case (10, _): return "private (10.0.0.0/8)"
        case (100, 64...127): return "carrier-grade NAT (100.64.0.0/10)"
        case (127, _): return "loopback (127.0.0.0/8)"
        case (169, 254): return "link-local (169.254.0.0/16)"
        case (172, 16...31): return "private (172.16.0.0/12)"
        case (192, 0) where b[2] == 0: return "IETF protocol assignments (192.0.0.0/24)"
        case (192, 0) where b[2] == 2: return "documentation (192.0.2.0/24)"
        case (192, 168): return "private (192.168.0.0/16)"
        case (198, 18...19): return "benchmarking (198.18.0.0/15)"
        case (198, 51) where b[2] == 100: return "documentation (198.51.100.0/24)"
        case (203, 0) where b[2] == 113: return "documentation (203.0.113.0/24)"
        case (224...239, _): return "multicast (224.0.0.0/4)"
        case (240...255, _): return "reserved or broadcast (240.0.0.0/4)"
        default: return nil
        }
    }

    private static func ipv6Refusal(_ b: [UInt8]) -> String? {
        if b.allSatisfy({ $0 == 0 }) { return "unspecified (::)" }
        if b[0..<15].allSatisfy({ $0 == 0 }) && b[15] == 1 { return "loopback (::1)" }
        // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (compatible): the IPv4 address inside decides.
        if b[0..<10].allSatisfy({ $0 == 0 }) && (b[10...11].allSatisfy({ $0 == 0xFF }) || b[10...11].allSatisfy({ $0 == 0 })) {
            return ipv4Refusal(Array(b[12...15])).map { "IPv4 inside IPv6, \($0)" }
        }
        // 64:ff9b::/96 (NAT64): the IPv4 address in the last four bytes.
        if Array(b[0...3]) == [0x00, 0x64, 0xFF, 0x9B], b[4..<12].allSatisfy({ $0 == 0 }) {
            return ipv4Refusal(Array(b[12...15])).map { "NAT64 of \($0)" }
        }
        // 2002::/16 (6to4): the IPv4 address in bytes 2...5.
        if b[0] == 0x20, b[1] == 0x02 {
            return ipv4Refusal(Array(b[2...5])).map { "6to4 of \($0)" }
        }
        if b[0] == 0xFF { return "multicast (ff00::/8)" }
        if b[0] == 0xFE, b[1] & 0xC0 == 0x80 { return "link-local (fe80::/10)" }
        if b[0] == 0xFE, b[1] & 0xC0 == 0xC0 { return "site-local (fec0::/10)" }
        if b[0] & 0xFE == 0xFC { return "unique-local (fc00::/7)" }
        if b[0] == 0x20, b[1] == 0x01, b[2] == 0x0D, b[3] == 0xB8 { return "documentation (2001:db8::/32)" }
        if b[0] == 0x01, b[1...7].allSatisfy({ $0 == 0 }) { return "discard-only (100::/64)" }
        return nil
    }

    /// One address a host name resolved to.
    struct Resolved: Sendable, Equatable {
        /// 4 or 16 bytes.
        var bytes: [UInt8]
        /// The numeric form, as a URL host (IPv6 in brackets).
        var urlHost: String
    }

    /// Resolves `host` (a name or an IP literal, IPv6 with or without brackets) with
    /// getaddrinfo; blocking, so callers run it off the cooperative pool.
    static func resolve(_ host: String) -> Result<[Resolved], ResolutionError> {
        let name = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(name, nil, &hints, &list)
        guard status == 0, let first = list else {
            return .failure(ResolutionError(description: "cannot resolve '\(name)': \(String(cString: gai_strerror(status)))"))
        }
        defer { freeaddrinfo(first) }
        var addresses: [Resolved] = []
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            defer { cursor = entry.pointee.ai_next }
            guard let address = entry.pointee.ai_addr else { continue }
            var bytes: [UInt8] = []
            if entry.pointee.ai_family == AF_INET {
                address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
                    withUnsafeBytes(of: ipv4.pointee.sin_addr) { bytes = Array($0) }
                }
            } else if entry.pointee.ai_family == AF_INET6 {
                address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6 in
                    withUnsafeBytes(of: ipv6.pointee.sin6_addr) { bytes = Array($0) }
                }
            } else {
                continue
            }
            let resolved = Resolved(bytes: bytes, urlHost: numericHost(bytes))
            if !addresses.contains(resolved) { addresses.append(resolved) }
        }
        guard !addresses.isEmpty else { return .failure(ResolutionError(description: "'\(name)' has no IPv4 or IPv6 address")) }
        return .success(addresses)
    }

    /// Why a name could not be resolved.
    struct ResolutionError: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    /// `a.b.c.d`, or `[x:x::x]` for IPv6.
    static func numericHost(_ bytes: [UInt8]) -> String {
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        let family = bytes.count == 4 ? AF_INET : AF_INET6
        bytes.withUnsafeBytes { raw in _ = inet_ntop(family, raw.baseAddress, &text, socklen_t(text.count)) }
        let numeric = String(cString: text)
        return bytes.count == 4 ? numeric : "[\(numeric)]"
    }
}
