/// The fuzz targets: each turns arbitrary bytes into one pass through a part of Qrew that reads
/// untrusted input, and reports a broken property (a round trip that does not hold, a value that
/// does not decode back) as a `FuzzFailure`. A crash is a crash: the fuzzer sees it as one.
///
/// Two callers share these bodies: the libFuzzer executables of the `Fuzz/` package (one per
/// target, `Fuzz/README.md`) and `QrewFuzzTests`, which replays the seed corpus and every
/// saved crash input (`Fuzz/Corpus/<target>/`, `Fuzz/Regressions/<target>/`) under `make test`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// The coordinator's intake: workflow text plus `--set` parameters, loaded, validated,
    /// decomposed and built into the run record; every task spec decoded back as a worker does.
    case intake
    /// The JSON reader on any bytes, and the writer round trip on every string it yields.
    case json
    /// Task spec decoding (what a worker does with a claimed task) and its encoding round trip.
    case taskspec
    /// Duration strings, and the retry delays computed from them.
    case duration
    /// `${{ ... }}` templates: parsing, rendering and the canonical form.
    case template
    /// RESP replies through hiredis' reader into `RedisReply`, then the queue's reply decoders.
    case resp
    /// `if:` expressions: parsing, printing back, evaluation and substitution.
    case condition

    /// Runs one input through the target.
    public func run(_ bytes: [UInt8]) throws(FuzzFailure) {
        switch self {
        case .intake: try IntakeFuzz.run(bytes)
        case .json: try JSONFuzz.run(bytes)
        case .taskspec: try TaskSpecFuzz.run(bytes)
        case .duration: try DurationFuzz.run(bytes)
        case .template: try TemplateFuzz.run(bytes)
        case .resp: try RESPFuzz.run(bytes)
        case .condition: try ConditionFuzz.run(bytes)
        }
    }

    /// The libFuzzer entry point's body: runs the input and turns a broken property into a crash.
    public func fuzz(_ data: UnsafePointer<UInt8>?, _ count: Int) {
        let bytes = count > 0 && data != nil ? Array(UnsafeBufferPointer(start: data, count: count)) : []
        do {
            try run(bytes)
        } catch {
            fatalError("\(rawValue): \(error)")
        }
    }
}

/// A property a fuzz target checks did not hold for an input.
public struct FuzzFailure: Error, CustomStringConvertible, Sendable {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

/// Throws a `FuzzFailure` with `message` unless `condition` holds.
func expect(_ condition: Bool, _ message: @autoclosure () -> String) throws(FuzzFailure) {
    if !condition { throw FuzzFailure(message()) }
}

extension Array where Element == UInt8 {
    /// The bytes before the first `separator` and those after it (nil without one): how a target
    /// takes two inputs from one.
    func splitOnce(at separator: UInt8) -> (head: ArraySlice<UInt8>, tail: ArraySlice<UInt8>?) {
        guard let index = firstIndex(of: separator) else { return (self[...], nil) }
        return (self[..<index], self[(index + 1)...])
    }
}

extension String {
    /// Bytes as text the way Qrew receives text from Redis (`RedisReply.string`): invalid UTF-8
    /// repaired, never rejected.
    init(fuzzBytes bytes: some Collection<UInt8>) {
        self.init(decoding: bytes, as: UTF8.self)
    }
}
