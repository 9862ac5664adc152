import HTTPTypes
import Hummingbird

/// Decides whether a request may write (submit, cancel, retry, requeue): with a token
/// configured it must carry `Authorization: Bearer <token>` (401 otherwise); with none, writes
/// are refused (403) unless anonymous writes were allowed.
struct WriteAccess: Sendable {
    let mode: WebConfiguration.WriteMode
    let token: [UInt8]

    init(_ configuration: WebConfiguration) {
        mode = configuration.writes
        token = Array((configuration.writeToken ?? "").utf8)
    }

    func check(_ request: Request) throws(APIError) {
        switch mode {
        case .anonymous:
            return
        case .disabled:
            throw APIError(status: .forbidden, message: "writes are disabled: start qrew-web with QREW_WEB_TOKEN set (then send Authorization: Bearer <token>) or with --allow-anonymous-writes")
        case .token:
            let header = request.headers[.authorization] ?? ""
            let prefix = "Bearer "
            guard header.hasPrefix(prefix), Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), token) else {
                throw APIError(
                    status: .unauthorized, message: "this write needs the header Authorization: Bearer <QREW_WEB_TOKEN>",
                    headers: [.wwwAuthenticate: "Bearer"])
            }
        }
    }

    /// Compares in time that depends only on the lengths, not on where the bytes differ.
    static func constantTimeEqual(_ given: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        guard !expected.isEmpty else { return false }
        for index in given.indices { difference |= given[index] ^ expected[index % expected.count] }
        return difference == 0
    }
}
