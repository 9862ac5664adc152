extension Array<UInt8> {
    /// Appends `value` in decimal, its digits made in a stack buffer: no `String` for it (JSON
    /// numbers, the heads of stored spec differences).
    public mutating func appendDecimal(_ value: Int) {
        if value < 0 { append(UInt8(ascii: "-")) }
        appendDecimal(value.magnitude)
    }

    /// Appends `value` in decimal.
    public mutating func appendDecimal(_ value: UInt) {
        guard value >= 10 else {
            append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        // UInt.max has 20 digits; they are made from the end of the buffer.
        var buffer: (UInt64, UInt64, UInt64) = (0, 0, 0)
        Swift.withUnsafeMutableBytes(of: &buffer) { buffer in
            var start = 20
            var rest = value
            while rest > 0 {
                start -= 1
                buffer[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
            append(contentsOf: UnsafeRawBufferPointer(rebasing: buffer[start..<20]))
        }
    }
}
