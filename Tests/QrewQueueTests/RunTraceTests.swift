import QrewQueue
import Testing

/// `RunTrace`: the W3C trace context of runs and attempts (parsing by swift-w3c-trace-context).
@Suite struct RunTraceTests {
    @Test func aNewTraceIsSampledWith32HexDigitsAndNewSpansAre16() {
        let trace = RunTrace.new()
        #expect(trace.traceID.wholeMatch(of: /[0-9a-f]{32}/) != nil)
        #expect(trace.flags == "01")
        #expect(RunTrace.new() != trace)
        let span = RunTrace.newSpanID()
        #expect(span.wholeMatch(of: /[0-9a-f]{16}/) != nil && span != "0000000000000000")
        #expect(trace.traceparent(spanID: span) == "00-\(trace.traceID)-\(span)-01")
    }

    @Test func aParentKeepsItsTraceIDAndFlags() throws {
        let trace = try RunTrace(parent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")
        #expect(trace.traceID == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(trace.flags == "00")
        #expect(trace.runFields == ["traceId": "4bf92f3577b34da6a3ce929d0e0e4736", "traceFlags": "00"])
        #expect(RunTrace(runFields: trace.runFields) == trace)
        #expect(RunTrace(claimed: "4bf92f3577b34da6a3ce929d0e0e4736-00") == trace)
    }

    @Test(arguments: [
        "", "nonsense", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7", // too short
        "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", // unknown version
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01", // all-zero trace id
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", // all-zero parent id
        "00-4bf92f3577b34da6a3ce929d0e0e473x-00f067aa0ba902b7-01", // not hex
        "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01", // delimiters
    ])
    func aMalformedParentIsRefusedWithTheExpectedShape(_ text: String) {
        #expect {
            _ = try RunTrace(parent: text)
        } throws: { error in
            "\(error)".contains("'\(text)' is not a W3C traceparent: expected 00-<32 hex digits trace id>")
        }
    }

    @Test func theClaimedFormIsCheckedAndEmptyMeansNoTrace() {
        #expect(RunTrace(claimed: "") == nil)
        #expect(RunTrace(claimed: "4bf92f3577b34da6a3ce929d0e0e4736") == nil)
        #expect(RunTrace(claimed: "4BF92F3577B34DA6A3CE929D0E0E4736-01") == nil)
        #expect(RunTrace(runFields: [:]) == nil)
    }
}
