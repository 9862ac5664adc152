import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import QrewWorker

/// `--http-deny-private` past the address check: the pinned URL and `Host` header for plain
/// http, and the session that follows no redirect.
@Suite(.serialized)
struct PublicTargetTests {
    @Test func plainHTTPGoesToTheCheckedAddressWithTheNameInHost() async throws {
        let checked = try await PublicTarget.check(try #require(URL(string: "http://1.1.1.1:8080/p?q=1"))).get()
        #expect(checked.url.absoluteString == "http://1.1.1.1:8080/p?q=1")
        #expect(checked.hostHeader == "1.1.1.1:8080")
        let v6 = try await PublicTarget.check(try #require(URL(string: "http://[2606:4700:4700::1111]/x"))).get()
        #expect(v6.url.absoluteString == "http://[2606:4700:4700::1111]/x")
        let https = try await PublicTarget.check(try #require(URL(string: "https://1.1.1.1/x"))).get()
        #expect(https.url.absoluteString == "https://1.1.1.1/x" && https.hostHeader == nil)
        let refused = await PublicTarget.check(try #require(URL(string: "http://[::ffff:169.254.169.254]/latest")))
        #expect(throws: PublicTarget.Refusal.self) { try refused.get() }
    }

    @Test func theDenyPrivateSessionFollowsNoRedirect() async throws {
        let script = #"""
            import http.server
            class H(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == "/hop":
                        self.send_response(302); self.send_header("Location", "/end"); self.send_header("Content-Length", "0"); self.end_headers()
                    else:
                        self.send_response(200); self.send_header("Content-Length", "3"); self.end_headers(); self.wfile.write(b"end")
                def log_message(self, *args): pass
            s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
            print(s.server_address[1], flush=True)
            s.serve_forever()
            """#
        let collector = Collector()
        let server = Task { await run(shell(["python3", "-c", script], grace: .milliseconds(200)), collector) }
        defer { server.cancel() }
        let port = try #require(await within(.seconds(10)) { await collector.firstStdoutLine.value })
        let executor = HTTPExecutor()
        let url = try #require(URL(string: "http://127.0.0.1:\(port)/hop"))
        let (_, followed) = try await executor.session.data(for: URLRequest(url: url))
        #expect((followed as? HTTPURLResponse)?.statusCode == 200)
        let (_, stopped) = try await executor.noRedirectSession.data(for: URLRequest(url: url))
        #expect((stopped as? HTTPURLResponse)?.statusCode == 302)
        server.cancel()
        _ = await server.value
    }
}
