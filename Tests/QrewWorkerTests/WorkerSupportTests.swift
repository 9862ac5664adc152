import Logging
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
        #expect(QrewLogHandler.timestamp(Date(timeIntervalSince1970: 1_795_319_400.123)) == "2026-11-22T03:50:00.123Z")
        let lines = LogRecorder()
        Logger.qrew("worker w1", sink: lines.sink).info("claimed 3 tasks")
        #expect(lines.all.first?.hasSuffix(" worker w1 info: claimed 3 tasks") == true)
        Logger.qrew("coordinator c1", level: .info, sink: lines.sink).debug("not written")
        #expect(lines.all.count == 1)
        var tagged = Logger.qrew("worker w2", level: .debug, sink: lines.sink)
        tagged[metadataKey: "run"] = "r1"
        tagged.debug("claimed 1 task", metadata: ["attempt": "2"])
        #expect(lines.all.last?.hasSuffix(" worker w2 debug: claimed 1 task attempt=2 run=r1") == true, "\(lines.all)")
    }

    @Test func theLogLevelComesFromQrewLogLevelElseInfo() {
        #expect(Logger.environmentLevel(["QREW_LOG_LEVEL": "debug"]) == .debug)
        #expect(Logger.environmentLevel(["QREW_LOG_LEVEL": "warning"]) == .warning)
        #expect(Logger.environmentLevel(["QREW_LOG_LEVEL": "loud"]) == .info)
        #expect(Logger.environmentLevel([:]) == .info)
        #expect(Logger.level(named: "ERROR") == .error)
        #expect(Logger.level(named: "verbose") == nil)
    }
}
