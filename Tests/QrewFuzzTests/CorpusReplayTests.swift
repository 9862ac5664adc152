import Foundation
import QrewFuzzing
import Testing

/// Replays every committed fuzz input through the same bodies the libFuzzer executables run:
/// the seed corpus (`Fuzz/Corpus/<target>/`) and every input that once crashed or broke a
/// property (`Fuzz/Regressions/<target>/`), so a fixed bug that comes back fails `make test`.
@Suite struct CorpusReplayTests {
    static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    static func inputs(_ kind: String, _ target: FuzzTarget) throws -> [URL] {
        let directory = fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        return try FileManager.default.contentsOfDirectory(at: directory, includingPropertiesForKeys: nil)
            .filter { !$0.lastPathComponent.hasPrefix(".") && $0.pathExtension != "md" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
    }

    @Test("seed corpus replays without a failure", arguments: FuzzTarget.allCases)
    func seedCorpus(_ target: FuzzTarget) throws {
        let files = try Self.inputs("Corpus", target)
        #expect(!files.isEmpty, "no seed inputs in Fuzz/Corpus/\(target.rawValue)")
        try replay(files, target)
    }

    @Test("saved crash inputs stay fixed", arguments: FuzzTarget.allCases)
    func regressions(_ target: FuzzTarget) throws {
        try replay(try Self.inputs("Regressions", target), target)
    }

    private func replay(_ files: [URL], _ target: FuzzTarget) throws {
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: file))
            do {
                try target.run(bytes)
            } catch {
                Issue.record("\(target.rawValue)/\(file.lastPathComponent): \(error)")
            }
        }
    }
}
