/// Workflow texts and submission entries built to break a coordinator: the files the issue
/// tracker found, numbers at every extreme, malformed text and fields. Shared by the qctl tests
/// (each is a clear problem, never a trap) and the live-cluster test (each ends as a stored run).
enum AdversarialInputs {
    /// (name, workflow text) pairs; none is valid.
    static let workflows: [(name: String, text: String)] = {
        var cases: [(String, String)] = [
            ("priority-int-max", "name: w\nsteps:\n  - id: a\n    type: echo\n    complexity: meta\n    priority: 9223372036854775807\n"),
            ("priority-int-min", "name: w\nsteps:\n  - id: a\n    type: echo\n    priority: -9223372036854775808\n"),
            ("retries-int-max", "name: w\nsteps:\n  - id: a\n    type: echo\n    retries: 9223372036854775807\n"),
            ("retries-max-int-max", "name: w\ndefaults:\n  retries: { max: 9223372036854775807 }\nsteps:\n  - id: a\n    type: echo\n"),
            ("max-concurrency-int-max", "name: w\nparallel: { maxConcurrency: 9223372036854775807 }\nsteps:\n  - id: a\n    type: echo\n"),
            ("step-max-concurrency-zero", "name: w\nsteps:\n  - id: a\n    type: echo\n    maxConcurrency: 0\n"),
            ("pool-int-min", "name: w\nparallel: { resources: { db: -9223372036854775808 } }\nsteps:\n  - id: a\n    type: echo\n    resource: db\n"),
            ("number-beyond-int", "name: w\nsteps:\n  - id: a\n    type: echo\n    priority: 99999999999999999999999999\n"),
            ("timeout-too-long", "name: w\nsteps:\n  - id: a\n    type: echo\n    timeout: 106751991167d\n"),
            ("sleep-int-max", "name: w\nsteps:\n  - id: a\n    type: sleep\n    with: { duration: 9223372036854775807 }\n"),
            ("retry-cap-overflow", "name: w\nsteps:\n  - id: a\n    type: echo\n    retries: { max: 3, initial: 1s, cap: 99999999999999999d }\n"),
            ("empty", ""),
            ("not-yaml", "{{{{ [[[ : : :"),
            ("binary", String(decoding: (0..<256).map { UInt8($0) }, as: UTF8.self)),
            ("deep-nesting", String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)),
            ("scalar-root", "42"),
            ("matrix-too-large", "name: w\nsteps:\n  - id: a\n    type: echo\n    matrix: { x: [" + (0..<300).map(String.init).joined(separator: ",") + "] }\n"),
        ]
        cases.append(("cycle-of-2000", "name: w\nsteps:\n" + (0..<2000).map { "  - { id: s\($0), type: echo, dependsOn: [s\(($0 + 1) % 2000)] }\n" }.joined()))
        return cases
    }()
}
