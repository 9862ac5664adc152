import Testing
@testable import QrewCore

struct DurationParserTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)),
        ("30s", .seconds(30)),
        ("10m", .seconds(600)),
        ("1h", .seconds(3600)),
        ("1h30m", .seconds(5400)),
        ("1m30s250ms", .milliseconds(90_250)),
        ("1.5s", .milliseconds(1500)),
        ("2d", .seconds(172_800)),
        ("45", .seconds(45)),
        (" 5s ", .seconds(5)),
    ])
    func parsesValidDurations(_ text: String, _ expected: Duration) throws {
        #expect(try DurationParser.parse(text) == expected)
    }

    @Test(arguments: ["", "abc", "-5s", "10 minutes", "5x", "1.5", "s", "1..2s", "99999999999999999999"])
    func rejectsGarbage(_ text: String) {
        #expect(throws: DurationParser.ParseError.self) { try DurationParser.parse(text) }
    }
}
