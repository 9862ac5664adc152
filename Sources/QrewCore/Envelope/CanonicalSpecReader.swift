/// The fast path of `TaskSpec(jsonText:)`: reads the exact text `TaskSpec.jsonText` writes (its
/// key order, no whitespace, plain integers) straight into a `TaskSpec`, with no JSON tree in
/// between. Building the tree cost a worker about a tenth of its CPU per no-op task
/// (docs/benchmarks.md, *Claim replies and spec decoding; the one-task path*).
///
/// Anything else gives nil and the general reader decodes the text, or refuses it with an error
/// that names the field: whitespace, another key order, a key it does not know, `cache`,
/// `condition` or `http`, a string with an escape or a control character, a number with a
/// fraction, an exponent or a leading zero, a duplicate key. So what this reads, the general
/// reader reads equal (TaskSpecDecodingTests), and it refuses nothing itself.
package struct CanonicalSpecReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// The spec `text` holds, when it is laid out exactly as `jsonText` writes it; nil otherwise.
    package static func spec(_ text: String) -> TaskSpec? {
        var text = text
        return text.withUTF8 { bytes in
            var reader = CanonicalSpecReader(bytes: bytes)
            return reader.spec()
        }
    }

    private mutating func spec() -> TaskSpec? {
        guard take("{") else { return nil }
        var cwd: String?
        if take(#""cwd":"#) {
            guard let value = string(), take(",") else { return nil }
            cwd = value
        }
        guard take(#""env":"#), let env = stringDictionary(), take(",") else { return nil }
        var heartbeatTimeout: Int?
        if take(#""heartbeatTimeoutMilliseconds":"#) {
            guard let value = integer(Int.self), take(",") else { return nil }
            heartbeatTimeout = value
        }
        guard take(#""outputRefs":"#), let outputRefs = object({ $0.strings() }), take(","),
              take(#""retry":"#), let retry = retryPolicy(), take(","),
              take(#""run":"#), let run = strings(), take(","),
              take(#""runID":"#), let runID = string(), take(","),
              take(#""shell":"#), let shell = bool(), take(","),
              take(#""stepID":"#), let stepID = string(), take(","),
              take(#""taskID":"#), let taskID = string(), take(",")
        else { return nil }
        var timeout: Int?
        if take(#""timeoutMilliseconds":"#) {
            guard let value = integer(Int.self), take(",") else { return nil }
            timeout = value
        }
        guard take(#""type":"#), let type = string(), take(","),
              take(#""with":"#), let with = stringDictionary(), take("}"), index == bytes.count
        else { return nil }
        var spec = TaskSpec(
            runID: runID, taskID: taskID, stepID: stepID, type: type, run: run, shell: shell, env: env, cwd: cwd,
            with: with, timeoutMilliseconds: timeout, retry: retry, outputRefs: outputRefs)
        spec.heartbeatTimeoutMilliseconds = heartbeatTimeout
        return spec
    }

    private mutating func retryPolicy() -> RetryPolicy? {
        guard take("{"), take(#""backoff":"#), let backoff = choice(Self.backoffs), take(","),
              take(#""cap":"#), let cap = duration(), take(","),
              take(#""initial":"#), let initial = duration(), take(","),
              take(#""jitter":"#), let jitter = bool(), take(","),
              take(#""maxRetries":"#), let maxRetries = integer(Int.self), take(","),
              take(#""retryOn":"#), let retryOn = array({ $0.choice(Self.retryConditions) }), take("}")
        else { return nil }
        return RetryPolicy(
            maxRetries: maxRetries, backoff: backoff, initial: initial, cap: cap, jitter: jitter, retryOn: Set(retryOn))
    }

    /// The cases `choice` matches, made once (`allCases` builds its array at every use).
    private static let backoffs = RetryPolicy.Backoff.allCases
    private static let retryConditions = RetryPolicy.Condition.allCases

    /// A string that is the raw value of one of `cases`, matched on its bytes (no string made).
    private mutating func choice<T: RawRepresentable<String>>(_ cases: [T]) -> T? {
        for candidate in cases {
            var name = candidate.rawValue
            let matched = name.withUTF8 { name in
                let end = index + name.count + 2
                guard end <= bytes.count, bytes[index] == UInt8(ascii: "\""), bytes[end - 1] == UInt8(ascii: "\""),
                      UnsafeBufferPointer(rebasing: bytes[(index + 1)..<(end - 1)]).elementsEqual(name)
                else { return false }
                index = end
                return true
            }
            if matched { return candidate }
        }
        return nil
    }

    /// A `Duration` in its `Codable` form, `[high, low]` (attoseconds).
    private mutating func duration() -> Duration? {
        guard take("["), let high = integer(Int64.self), take(","), let low = integer(UInt64.self), take("]") else { return nil }
        return Duration(attoseconds: Int128(high) << 64 | Int128(low))
    }

    /// An object whose values `value` reads; nil for a duplicate key.
    private mutating func object<Value>(_ value: (inout CanonicalSpecReader) -> Value?) -> [String: Value]? {
        guard take("{") else { return nil }
        var result: [String: Value] = [:]
        if take("}") { return result }
        repeat {
            guard let key = string(), take(":"), let read = value(&self), result.updateValue(read, forKey: key) == nil else { return nil }
        } while take(",")
        return take("}") ? result : nil
    }

    /// An array whose elements `element` reads.
    private mutating func array<Element>(_ element: (inout CanonicalSpecReader) -> Element?) -> [Element]? {
        guard take("[") else { return nil }
        var result: [Element] = []
        if take("]") { return result }
        repeat {
            guard let read = element(&self) else { return nil }
            result.append(read)
        } while take(",")
        return take("]") ? result : nil
    }

    private mutating func stringDictionary() -> [String: String]? { object { $0.string() } }

    private mutating func strings() -> [String]? { array { $0.string() } }

    /// A string without escapes or control characters (both left to the general reader).
    private mutating func string() -> String? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte < 0x20 { return nil }
            end += 1
        }
        guard end < bytes.count else { return nil }
        index = end + 1
        // Between two ASCII quotes of valid UTF-8: valid UTF-8 itself.
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
    }

    private mutating func bool() -> Bool? {
        if take("true") { return true }
        if take("false") { return false }
        return nil
    }

    /// An integer written as JSON writes one, digits only (`-` first for a negative one), in
    /// range of `T`; nil for `-0`, a leading zero, a fraction or an exponent.
    private mutating func integer<T: FixedWidthInteger>(_: T.Type) -> T? {
        var end = index
        let negative = end < bytes.count && bytes[end] == UInt8(ascii: "-")
        if negative { end += 1 }
        let digits = end
        var value: T = 0
        while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) {
            let digit = T(bytes[end] - UInt8(ascii: "0"))
            let (shifted, overflowed) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowedAgain) = negative
                ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowed, !overflowedAgain else { return nil }
            value = next
            end += 1
        }
        guard end > digits, bytes[digits] != UInt8(ascii: "0") || (end == digits + 1 && !negative) else { return nil }
        if end < bytes.count, bytes[end] == UInt8(ascii: ".") || bytes[end] == UInt8(ascii: "e") || bytes[end] == UInt8(ascii: "E") {
            return nil
        }
        index = end
        return value
    }

    /// Consumes `literal` when the text continues with it.
    private mutating func take(_ literal: StaticString) -> Bool {
        // A literal's bytes are read in place: through `withUTF8Buffer`'s closure, matching the
        // keys took 2.4% of a worker's instructions per no-op task.
        guard literal.hasPointerRepresentation else {
            return literal.withUTF8Buffer { take(bytes: $0) }
        }
        return take(bytes: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Consumes `expected` when the text continues with it; compares eight bytes at a time.
    private mutating func take(bytes expected: UnsafeBufferPointer<UInt8>) -> Bool {
        let count = expected.count
        guard count > 0 else { return true }
        guard bytes.count - index >= count, let base = bytes.baseAddress, let wanted = expected.baseAddress else { return false }
        let here = UnsafeRawPointer(base + index), there = UnsafeRawPointer(wanted)
        var offset = 0
        while offset + 8 <= count {
            guard here.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
                == there.loadUnaligned(fromByteOffset: offset, as: UInt64.self) else { return false }
            offset += 8
        }
        while offset < count {
            guard here.load(fromByteOffset: offset, as: UInt8.self) == there.load(fromByteOffset: offset, as: UInt8.self) else {
                return false
            }
            offset += 1
        }
        index += count
        return true
    }
}
