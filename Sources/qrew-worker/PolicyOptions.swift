import ArgumentParser
import Foundation
import QrewWorker

/// The worker's policy and secrets flags (docs/security.md), each over its environment variable.
struct PolicyOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Step types this worker runs, comma-separated, e.g. shell,http,echo; others fail, refused (env QREW_ALLOW_TYPES; default: all).",
        valueName: "types"))
    var allowTypes: String?

    @Option(help: ArgumentHelp(
        "Executables shell tasks may start (repeatable): a glob on the absolute path if it has a '/', else on a command name "
            + "found on the worker's PATH; shell: true steps start /bin/sh (env QREW_ALLOW_COMMANDS, comma-separated; default: any).",
        valueName: "pattern"))
    var allowCommands: [String] = []

    @Flag(
        inversion: .prefixedNo,
        help: "Refuse http tasks whose host resolves to a private, loopback, link-local or other non-public address; no redirects (env QREW_HTTP_DENY_PRIVATE=1; default off, on in the container image).")
    var httpDenyPrivate: Bool?

    @Option(help: ArgumentHelp(
        "Most bytes of a task's own env (NAME=value each); larger is refused (env QREW_MAX_TASK_ENV; default 131072).",
        valueName: "bytes"))
    var maxTaskEnv: Int?

    @Option(help: ArgumentHelp(
        "Bytes of a task's output kept with its result, and of its stdout and stderr each (env QREW_OUTPUT_CAP; default 1048576).",
        valueName: "bytes"))
    var outputCap: Int?

    @Option(help: ArgumentHelp(
        "Directory of secret files: ${{ secrets.NAME }} is the file NAME (one trailing newline dropped), "
            + "after QREW_SECRET_NAME in the environment (env QREW_SECRETS_DIR).",
        valueName: "dir"))
    var secretsDir: String?

    /// What `--output-cap` accepts: 1 KiB to 64 MiB.
    static let outputCapRange = 1024...(64 << 20)

    /// Sets the policy, output cap and secrets directory of `configuration`; throws a
    /// `ValidationError` naming the flag or variable for any bad value.
    func apply(to configuration: inout WorkerConfiguration, environment: [String: String]) throws {
        var policy = WorkerPolicy()
        if let text = allowTypes ?? environment["QREW_ALLOW_TYPES"] {
            let source = allowTypes == nil ? "QREW_ALLOW_TYPES" : "--allow-types"
            let types = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !types.isEmpty, types.allSatisfy({ !$0.isEmpty && !$0.contains(where: \.isWhitespace) }) else {
                throw ValidationError("invalid \(source) '\(text)': expected comma-separated step types, e.g. shell,http,echo")
            }
            policy.allowedTypes = Set(types)
        }
        let patterns = allowCommands.isEmpty
            ? (environment["QREW_ALLOW_COMMANDS"].map { $0.split(separator: ",").map(String.init) } ?? []) : allowCommands
        if !patterns.isEmpty || environment["QREW_ALLOW_COMMANDS"] != nil {
            let source = allowCommands.isEmpty ? "QREW_ALLOW_COMMANDS" : "--allow-commands"
            do {
                policy.allowedCommands = try patterns.map { try CommandPattern($0.trimmingCharacters(in: .whitespaces)) }
            } catch {
                throw ValidationError("invalid \(source): \(error)")
            }
            guard !patterns.isEmpty else { throw ValidationError("invalid \(source): expected at least one pattern, e.g. git,/usr/bin/*") }
        }
        if let httpDenyPrivate {
            policy.denyPrivateHTTP = httpDenyPrivate
        } else if let text = environment["QREW_HTTP_DENY_PRIVATE"] {
            switch text.lowercased() {
            case "1", "true", "yes", "on": policy.denyPrivateHTTP = true
            case "0", "false", "no", "off", "": policy.denyPrivateHTTP = false
            default: throw ValidationError("invalid QREW_HTTP_DENY_PRIVATE '\(text)': expected 1 or 0")
            }
        }
        if let value = try Self.integer(maxTaskEnv, environment, "QREW_MAX_TASK_ENV", "--max-task-env", WorkerPolicy.maxTaskEnvironmentRange) {
            policy.maxTaskEnvironmentBytes = value
        }
        if let value = try Self.integer(outputCap, environment, "QREW_OUTPUT_CAP", "--output-cap", Self.outputCapRange) {
            configuration.outputCap = value
        }
        if let directory = secretsDir ?? environment["QREW_SECRETS_DIR"] {
            let source = secretsDir == nil ? "QREW_SECRETS_DIR" : "--secrets-dir"
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("invalid \(source) '\(directory)': not a directory")
            }
            configuration.secretsDirectory = directory
        }
        configuration.policy = policy
    }

    private static func integer(
        _ flag: Int?, _ environment: [String: String], _ variable: String, _ name: String, _ range: ClosedRange<Int>
    ) throws -> Int? {
        guard let text = flag.map(String.init) ?? environment[variable] else { return nil }
        let source = flag == nil ? variable : name
        guard let value = Int(text), range.contains(value) else {
            throw ValidationError("invalid \(source) '\(text)': expected a whole number of bytes from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }
}
