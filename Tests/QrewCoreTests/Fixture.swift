import Foundation
@testable import QrewCore

/// Reads workflow fixtures shipped with the test bundle.
enum Fixture {
    struct Missing: Error, CustomStringConvertible {
        var path: String
        var description: String { "fixture not found: \(path)" }
    }

    static func text(_ path: String) throws -> String {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil) else {
            throw Missing(path: path)
        }
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The problems loading a fixture reports (empty if it loads).
    static func problems(_ path: String, limits: ValidationLimits = .default) throws -> [WorkflowProblem] {
        let name = String(path.split(separator: "/").last ?? "")
        do {
            _ = try WorkflowLoader.load(text: try text(path), fileName: name, limits: limits)
            return []
        } catch let error as WorkflowValidationError {
            return error.problems
        }
    }
}
