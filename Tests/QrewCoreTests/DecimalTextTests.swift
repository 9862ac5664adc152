import QrewCore
import Testing

/// `appendDecimal` writes what `String(value)` does, at both ends and every digit-count boundary.
struct DecimalTextTests {
    @Test func signedIntegersAreTheirDescription() {
        var values = [Int.min, Int.min + 1, -1, 0, 1, Int.max - 1, Int.max]
        var power = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, -power, -(power - 1)]
        }
        for value in values {
            var bytes: [UInt8] = Array("x".utf8)
            bytes.appendDecimal(value)
            #expect(String(decoding: bytes, as: UTF8.self) == "x\(value)")
        }
    }

    @Test func unsignedIntegersAreTheirDescription() {
        var g = SplitMix64(seed: 7)
        for value in [UInt.max, UInt.max - 1, 0, 9, 10, UInt(Int.max) + 1] + (0..<1000).map({ _ in UInt(g.next() >> (g.next() % 64)) }) {
            var bytes: [UInt8] = []
            bytes.appendDecimal(value)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
    }
}
