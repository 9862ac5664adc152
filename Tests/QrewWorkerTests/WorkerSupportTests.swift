import Foundation
import QrewQueue
import Testing
@testable import QrewWorker

/// The worker service's small pure helpers.
struct WorkerSupportTests {
    @Test func outputIsCappedAtAScalarBoundary() {
        #expect("hello".prefixUTF8(10) == "hello")
        #expect("hello".prefixUTF8(3) == "hel")
        // "é" is 2 bytes, "€" 3: never cut one in half.
        #expect("aé".prefixUTF8(2) == "a")
        #expect("a€b".prefixUTF8(3) == "a")
        #expect("a€b".prefixUTF8(4) == "a€")
        #expect("".prefixUTF8(0) == "")
    }

    @Test func logLinesCarryAnISOTimestampTheWorkerAndTheLevel() {
        #expect(ServiceLogger.timestamp(Date(timeIntervalSince1970: 1_795_319_400.123)) == "2026-11-22T03:50:00.123Z")
        let lines = LogRecorder()
        ServiceLogger(source: "worker w1", sink: lines.sink).info("claimed 3 tasks")
        #expect(lines.all.first?.hasSuffix(" worker w1 info: claimed 3 tasks") == true)
        ServiceLogger(source: "coordinator c1", minimum: .info, sink: lines.sink).debug("not written")
        #expect(lines.all.count == 1)
    }
}
