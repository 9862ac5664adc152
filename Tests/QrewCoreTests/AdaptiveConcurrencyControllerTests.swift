import Testing
@testable import QrewCore

@Suite("Pressure parsing")
struct PressureParsingTests {
    @Test func psiSomeTotalReadsTheSomeLine() {
        let text = "some avg10=98.38 avg60=53.83 avg300=20.78 total=4155994403\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=7\n"
        #expect(PressureParsing.psiSomeTotal(text) == 4_155_994_403)
        #expect(PressureParsing.psiSomeTotal("full avg10=0.00 total=7\n") == nil)
        #expect(PressureParsing.psiSomeTotal("some avg10=1.00 total=x\n") == nil)
        #expect(PressureParsing.psiSomeTotal("") == nil)
    }

    @Test func stallShareIsTheCounterDeltaOverTheWindow() {
        #expect(PressureParsing.stallShare(from: 1_000, to: 501_000, elapsedMicroseconds: 1_000_000) == 0.5)
        #expect(PressureParsing.stallShare(from: 0, to: 3_000_000, elapsedMicroseconds: 1_000_000) == 1)
        #expect(PressureParsing.stallShare(from: 9, to: 5, elapsedMicroseconds: 1_000_000) == 0)
        #expect(PressureParsing.stallShare(from: 0, to: 5, elapsedMicroseconds: 0) == 0)
    }

    @Test func memInfoGivesBytes() throws {
        let text = "MemTotal:       24000000 kB\nMemFree:        20000000 kB\nMemAvailable:   22000000 kB\n"
        let info = try #require(PressureParsing.memInfo(text))
        #expect(info.total == 24_000_000 * 1024)
        #expect(info.available == 22_000_000 * 1024)
        #expect(PressureParsing.memInfo("MemTotal: 5 kB\n") == nil)
        #expect(PressureParsing.memInfo("MemTotal: 0 kB\nMemAvailable: 0 kB\n") == nil)
    }

    @Test func loadAverageAndCgroupValues() {
        #expect(PressureParsing.loadAverage("1.50 0.80 0.30 2/300 1234\n") == 1.5)
        #expect(PressureParsing.loadAverage("nan 1 1") == nil)
        #expect(PressureParsing.loadAverage("") == nil)
        #expect(PressureParsing.cgroupBytes("1073741824\n") == 1_073_741_824)
        #expect(PressureParsing.cgroupBytes("max\n") == nil)
        #expect(PressureParsing.unifiedCgroupPath("4:memory:/x\n0::/user.slice/a.scope\n") == "/user.slice/a.scope")
        #expect(PressureParsing.unifiedCgroupPath("4:memory:/x\n") == nil)
    }
}

@Suite("Concurrency setting")
struct ConcurrencySettingTests {
    @Test(arguments: [
        ("4", ConcurrencySetting.fixed(4)),
        ("auto", .adaptive(minimum: 1, maximum: 8)),
        ("auto:2-16", .adaptive(minimum: 2, maximum: 16)),
        ("auto:3-3", .adaptive(minimum: 3, maximum: 3)),
    ])
    func accepted(_ text: String, _ expected: ConcurrencySetting) throws {
        #expect(try ConcurrencySetting(parsing: text, processors: 2) == expected)
    }

    @Test(arguments: ["0", "2000", "auto:", "auto:4", "auto:4-2", "auto:0-3", "auto:1-5000", "many", "auto:a-b", "-1"])
    func rejected(_ text: String) {
        #expect(throws: ConcurrencySetting.InvalidSetting.self) { try ConcurrencySetting(parsing: text, processors: 2) }
    }
}

@Suite("AIMD controller")
struct AdaptiveConcurrencyControllerTests {
    let calm = PressureSample(cpu: 0.1, memory: 0.3)
    let busy = PressureSample(cpu: 0.99, memory: 0.3)
    let full = PressureSample(cpu: 0.1, memory: 0.95)

    @Test func shrinksByHalfWithSettlingAndNeverBelowTheFloor() {
        var controller = AdaptiveConcurrency(minimum: 1, maximum: 8, initial: 8)
        #expect(controller.update(busy) == SlotChange(from: 8, to: 4, reason: "cpu pressure 0.99 over 0.80"))
        // Two samples to settle before the next cut.
        #expect(controller.update(busy) == nil)
        #expect(controller.update(busy) == nil)
        #expect(controller.update(busy)?.to == 2)
        for _ in 0..<2 { #expect(controller.update(busy) == nil) }
        #expect(controller.update(busy)?.to == 1)
        for _ in 0..<10 { #expect(controller.update(busy) == nil) }
        #expect(controller.slots == 1)
    }

    @Test func memoryOverTheThresholdShrinksAndNamesMemory() {
        var controller = AdaptiveConcurrency(minimum: 2, maximum: 8, initial: 5)
        #expect(controller.update(full) == SlotChange(from: 5, to: 2, reason: "memory 0.95 over 0.90"))
    }

    @Test func growsByOneAfterConsecutiveCalmSamplesUpToTheCeiling() {
        var controller = AdaptiveConcurrency(minimum: 1, maximum: 3, initial: 1)
        var changes: [Int] = []
        for _ in 0..<20 {
            if let change = controller.update(calm) { changes.append(change.to) }
        }
        #expect(changes == [2, 3])
        #expect(controller.slots == 3)
    }

    @Test func holdsInsideTheHysteresisBandAndAnOverSampleResetsTheStreak() {
        var controller = AdaptiveConcurrency(minimum: 1, maximum: 4, initial: 2)
        let hovering = PressureSample(cpu: 0.78, memory: 0.3)
        for _ in 0..<10 { #expect(controller.update(hovering) == nil) }
        #expect(controller.update(calm) == nil)
        #expect(controller.update(calm) == nil)
        #expect(controller.update(hovering) == nil)
        #expect(controller.update(calm) == nil)
        #expect(controller.update(calm) == nil)
        #expect(controller.update(calm)?.to == 3)
    }

    @Test func initialIsClampedAndTheFormatRounds() {
        #expect(AdaptiveConcurrency(minimum: 2, maximum: 4, initial: 9).slots == 4)
        #expect(AdaptiveConcurrency(minimum: 2, maximum: 4, initial: 0).slots == 2)
        #expect(AdaptiveConcurrency.format(0.805) == "0.81" || AdaptiveConcurrency.format(0.805) == "0.80")
        #expect(AdaptiveConcurrency.format(0.05) == "0.05")
        #expect(AdaptiveConcurrency.format(1) == "1.00")
    }
}

@Suite("Progress lines")
struct ProgressUpdateTests {
    @Test(arguments: [
        ("42%", ProgressUpdate(percent: 42)),
        ("42% copying files", ProgressUpdate(percent: 42, message: "copying files")),
        ("  7.9%\tstep two  ", ProgressUpdate(percent: 7, message: "step two")),
        ("copying files", ProgressUpdate(message: "copying files")),
        ("150%", ProgressUpdate(percent: 100)),
        ("-3% rewinding", ProgressUpdate(percent: 0, message: "rewinding")),
        ("100% done\r", ProgressUpdate(percent: 100, message: "done")),
        ("50 % half", ProgressUpdate(message: "50 % half")),
        ("abc% x", ProgressUpdate(message: "abc% x")),
    ])
    func parses(_ line: String, _ expected: ProgressUpdate) {
        #expect(ProgressUpdate(line: Substring(line)) == expected)
    }

    @Test(arguments: ["", "   ", "\t", "bad\u{1}line", "%"])
    func ignoresLinesThatAreNotProgress(_ line: String) {
        if line == "%" {
            #expect(ProgressUpdate(line: Substring(line)) == ProgressUpdate(message: "%"))
        } else {
            #expect(ProgressUpdate(line: Substring(line)) == nil)
        }
    }

    @Test func cutsLongMessagesAtACharacterBoundary() throws {
        let update = try #require(ProgressUpdate(line: Substring("10% " + String(repeating: "é", count: 400))))
        #expect(update.percent == 10)
        #expect(update.message?.utf8.count == ProgressUpdate.maximumMessageBytes)
        #expect(update.message?.allSatisfy { $0 == "é" } == true)
    }
}

@Suite("AIMD controller, memory stall")
struct AdaptiveConcurrencyMemoryStallTests {
    @Test func memoryStallOverItsThresholdShrinks() {
        var controller = AdaptiveConcurrency(minimum: 1, maximum: 8, initial: 4)
        let stalled = PressureSample(cpu: 0.1, memory: 0.3, memoryStall: 0.5)
        #expect(controller.update(stalled) == SlotChange(from: 4, to: 2, reason: "memory stall 0.50 over 0.20"))
    }
}
