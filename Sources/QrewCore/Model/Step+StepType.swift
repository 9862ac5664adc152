extension Step {
    /// What executes a step: a built-in executor or a handler registered by name in the worker.
    public enum StepType: Sendable, Hashable, Codable, RawRepresentable, CustomStringConvertible {
        /// Exec an argv (or `/bin/sh -c` with `shell: true`).
        case shell
        /// Make one HTTP request.
        case http
        /// Emit `with.message` as output (demos, smoke tests).
        case echo
        /// Wait `with.duration` (demos, tests).
        case sleep
        /// Fail on purpose with `with.message` (tests of retries and failFast).
        case fail
        /// Wait, holding no worker slot, for `qctl approve` (or its reject) or the step's `timeout`.
        case approval
        /// Wait, holding no worker slot, for an event (`qctl signal`) or a duration (durable sleep).
        case wait
        /// Run another workflow as a child run of its own (`file:` or inline `workflow:`).
        case workflow
        /// A handler the embedding application registered under this name.
        case handler(String)

        /// Maps `shell`/`http`/`echo`/`sleep`/`fail` to built-ins and anything else to a handler.
        public init(rawValue: String) {
            switch rawValue {
            case "shell": self = .shell
            case "http": self = .http
            case "echo": self = .echo
            case "sleep": self = .sleep
            case "fail": self = .fail
            case "approval": self = .approval
            case "wait": self = .wait
            case "workflow": self = .workflow
            default: self = .handler(rawValue)
            }
        }

        /// The name as written in a workflow file.
        public var rawValue: String {
            switch self {
            case .shell: "shell"
            case .http: "http"
            case .echo: "echo"
            case .sleep: "sleep"
            case .fail: "fail"
            case .approval: "approval"
            case .wait: "wait"
            case .workflow: "workflow"
            case .handler(let name): name
            }
        }

        /// The name as written in a workflow file.
        public var description: String { rawValue }

        /// Whether this type takes its arguments from `with:`.
        var usesArguments: Bool {
            switch self {
            case .shell, .http, .approval, .wait: false
            case .echo, .sleep, .fail, .workflow, .handler: true
            }
        }
    }
}
