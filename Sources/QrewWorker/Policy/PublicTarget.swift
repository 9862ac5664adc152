import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The `--http-deny-private` check of one request's URL: every address the host resolves to
/// must be public (``PublicAddress``), else the task is refused.
///
/// For `http://` the request then goes to the checked address itself (the URL's host replaced
/// by it, the name kept in the `Host` header), so a DNS answer that changes between the check
/// and the connection (DNS rebinding) cannot point it elsewhere. For `https://` the client
/// resolves the name again, but certificate verification then requires the server to prove
/// it is that name, which an internal service reached by rebinding cannot.
enum PublicTarget {
    /// Where to send the request and the `Host` header to send, after the check.
    struct Checked: Sendable {
        var url: URL
        var hostHeader: String?
    }

    /// Why the request is refused.
    struct Refusal: Error, Sendable, CustomStringConvertible {
        let description: String
    }

    static func check(_ url: URL) async -> Result<Checked, Refusal> {
        guard let host = url.host else { return .failure(Refusal(description: "refused by worker policy --http-deny-private: the URL has no host")) }
        let resolution = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[PublicAddress.Resolved], PublicAddress.ResolutionError>, Never>) in
            // getaddrinfo blocks: on a thread of its own, never a cooperative one.
            let thread = Thread { continuation.resume(returning: PublicAddress.resolve(host)) }
            thread.name = "qrew-resolve"
            thread.start()
        }
        let addresses: [PublicAddress.Resolved]
        switch resolution {
        case .success(let resolved): addresses = resolved
        case .failure(let error): return .failure(Refusal(description: "refused by worker policy --http-deny-private: \(error)"))
        }
        for address in addresses {
            if let reason = PublicAddress.refusal(address.bytes) {
                return .failure(Refusal(description: "refused by worker policy --http-deny-private: \(host) resolves to "
                    + "\(address.urlHost), \(reason)"))
            }
        }
        guard url.scheme?.lowercased() == "http" else { return .success(Checked(url: url, hostHeader: nil)) }
        guard var components = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return .failure(Refusal(description: "refused by worker policy --http-deny-private: cannot rewrite \(url)"))
        }
        components.percentEncodedHost = addresses[0].urlHost
        guard let pinned = components.url else {
            return .failure(Refusal(description: "refused by worker policy --http-deny-private: cannot rewrite \(url)"))
        }
        let hostHeader = url.port.map { "\(host):\($0)" } ?? host
        return .success(Checked(url: pinned, hostHeader: hostHeader))
    }
}

/// A session delegate that follows no redirect: the 3xx response is the result.
final class RedirectRefusal: NSObject, URLSessionTaskDelegate, @unchecked Sendable {
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
