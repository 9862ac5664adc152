import Foundation
import Testing
@testable import QrewWorker

/// A throwaway HTTP server on 127.0.0.1 and a free port, run as a shell task (so it is torn
/// down by the executor's own cancellation when the test ends).
private let serverScript = #"""
import http.server, sys, time
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, body):
        data = body.encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
    def do_GET(self):
        if self.path == "/ok": self.reply(200, "hello from qrew\n")
        elif self.path == "/trace": self.reply(200, self.headers.get("traceparent", "none"))
        elif self.path == "/slow": time.sleep(10); self.reply(200, "late")
        else: self.reply(500, "boom")
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        self.reply(201, self.headers.get("X-Qrew", "") + ":" + self.rfile.read(n).decode())
    def log_message(self, *args): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
"""#

@Suite(.serialized)
struct HTTPExecutorTests {
    private func withServer(_ body: (String) async throws -> Void) async throws {
        let collector = Collector()
        let server = Task {
            await run(shell(["python3", "-c", serverScript], grace: .milliseconds(200)), collector)
        }
        defer { server.cancel() }
        let port = try #require(await within(.seconds(10)) { await collector.firstStdoutLine.value })
        try await body("http://127.0.0.1:\(port)")
        server.cancel()
        _ = await server.value
    }

    @Test func okResponseSucceedsWithBody() async throws {
        try await withServer { base in
            let result = await run(TaskExecution(.http(url: "\(base)/ok"), timeout: .seconds(10)))
            #expect(result.outcome == .succeeded)
            #expect(result.httpStatus == 200)
            #expect(result.output == "hello from qrew\n")
        }
    }

    @Test func postSendsHeadersAndBody() async throws {
        try await withServer { base in
            let result = await run(
                TaskExecution(
                    .http(method: "post", url: "\(base)/echo", headers: ["X-Qrew": "hdr"], body: "payload"),
                    timeout: .seconds(10)))
            #expect(result.outcome == .succeeded)
            #expect(result.httpStatus == 201)
            #expect(result.output == "hdr:payload")
        }
    }

    @Test func theAttemptsTraceparentGoesOutAsTheTraceparentHeader() async throws {
        try await withServer { base in
            let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-a2fb4a1d1a96d312-01"
            let result = await run(TaskExecution(
                .http(url: "\(base)/trace"), timeout: .seconds(10), extraEnvironment: ["TRACEPARENT": traceparent]))
            #expect(result.outcome == .succeeded)
            #expect(result.output == traceparent)
            let untraced = await run(TaskExecution(.http(url: "\(base)/trace"), timeout: .seconds(10)))
            #expect(untraced.output == "none")
        }
    }

    @Test func serverErrorFailsWithStatus() async throws {
        try await withServer { base in
            let result = await run(TaskExecution(.http(url: "\(base)/missing"), timeout: .seconds(10)))
            #expect(result.outcome == .failed)
            #expect(result.httpStatus == 500)
            #expect(result.error?.hasPrefix("HTTP 500") == true)
            #expect(result.error?.hasSuffix("boom") == true)
        }
    }

    @Test func slowResponseTimesOut() async throws {
        try await withServer { base in
            let result = await run(TaskExecution(.http(url: "\(base)/slow"), timeout: .milliseconds(500)))
            #expect(result.outcome == .timedOut)
            #expect(result.error == "timed out after 500ms")
            #expect(result.duration < .seconds(3))
        }
    }

    @Test func invalidURLFails() async {
        let result = await run(TaskExecution(.http(url: "ftp://127.0.0.1/x")))
        #expect(result.outcome == .failed)
        #expect(result.error?.contains("invalid URL") == true)
    }
}
