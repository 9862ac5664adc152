import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Runs `http` tasks with URLSession (FoundationNetworking on Linux, libcurl underneath).
///
/// Chosen over async-http-client: it ships with the toolchain, so it costs no build time in
/// CI, and a task executor sends one request at a time, where AHC's connection pooling and
/// NIO event loops buy nothing. The response body (up to the output cap) is the output;
/// a non-2xx status fails the attempt with the status in the error.
public struct HTTPExecutor: TaskExecutor {
    let session: URLSession
    /// For executions with `denyPrivateAddresses`: follows no redirect, since a redirect's
    /// target would not be checked.
    let noRedirectSession: URLSession

    public init(configuration: URLSessionConfiguration = .ephemeral) {
        self.session = URLSession(configuration: configuration)
        self.noRedirectSession = URLSession(configuration: configuration, delegate: RedirectRefusal(), delegateQueue: nil)
    }

    public func execute(_ context: ExecutorContext) async -> TaskExecutionResult {
        let start = ContinuousClock.now
        let execution = context.execution
        guard case .http(let method, let urlString, let headers, let body) = execution.kind else {
            return .failed("http executor cannot run a '\(execution.kind.typeName)' task")
        }
        guard let url = URL(string: urlString), let scheme = url.scheme?.lowercased(),
            scheme == "http" || scheme == "https", url.host != nil
        else {
            return .failed("invalid URL '\(urlString)': expected http:// or https://")
        }

        var target = url
        var hostHeader: String?
        if execution.denyPrivateAddresses {
            switch await PublicTarget.check(url) {
            case .success(let checked): (target, hostHeader) = (checked.url, checked.hostHeader)
            case .failure(let refusal): return .failed(refusal.description, after: ContinuousClock.now - start)
            }
        }
        var request = URLRequest(url: target)
        request.httpMethod = method.uppercased()
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if let hostHeader { request.setValue(hostHeader, forHTTPHeaderField: "Host") }
        // The attempt's span, as W3C Trace Context propagates it, unless the step sets its own.
        if let traceparent = execution.extraEnvironment["TRACEPARENT"],
           !headers.keys.contains(where: { $0.lowercased() == "traceparent" }) {
            request.setValue(traceparent, forHTTPHeaderField: "traceparent")
        }
        if let body { request.httpBody = Data(body.utf8) }
        if let timeout = execution.timeout {
            // Ours bounds the whole exchange; URLSession's (an idle limit, enforced loosely by
            // libcurl) is set a little later so it does not turn a timeout into a failure.
            request.timeoutInterval = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18 + 1
        }

        let session = execution.denyPrivateAddresses ? noRedirectSession : self.session
        let finalRequest = request
        let exchange = await runInterruptible(timeout: execution.timeout) {
            let (data, response) = try await session.data(for: finalRequest)
            return SendableResponse(data: data, status: (response as? HTTPURLResponse)?.statusCode ?? 0)
        }
        let elapsed = ContinuousClock.now - start
        if let (outcome, message) = interruptionOutcome(exchange, timeout: execution.timeout) {
            return TaskExecutionResult(outcome: outcome, error: message, duration: elapsed)
        }
        let response: SendableResponse
        switch exchange! {
        case .success(let r):
            response = r
        case .failure(let error as URLError) where error.code == .timedOut:
            let limit = execution.timeout.map { " after \($0.qrewShortDescription)" } ?? ""
            return TaskExecutionResult(outcome: .timedOut, error: "timed out\(limit)", duration: elapsed)
        case .failure(let error):
            return .failed("\(request.httpMethod ?? method) \(urlString) failed: \(error.localizedDescription)", after: elapsed)
        }

        let cap = execution.outputCap
        let text = String(decoding: response.data.prefix(cap), as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).prefix(1000).map { OutputLine(.stdout, String($0)) }
        if !lines.isEmpty { await context.onFinalOutput(lines) }

        var result = TaskExecutionResult(
            outcome: .succeeded, httpStatus: response.status, output: text, stdout: text,
            truncated: response.data.count > cap, duration: elapsed)
        if !(200..<300).contains(response.status) {
            result.outcome = .failed
            let reason = HTTPURLResponse.localizedString(forStatusCode: response.status)
            let snippet = text.prefix(200).replacingOccurrences(of: "\n", with: " ")
            result.error = "HTTP \(response.status) \(reason)" + (snippet.isEmpty ? "" : ": \(snippet)")
        }
        return result
    }
}

private struct SendableResponse: Sendable {
    let data: Data
    let status: Int
}
