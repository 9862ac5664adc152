import Crypto
import Foundation

/// The Redis ACL roles of a Qrew namespace (docs/security.md, *Roles and Redis ACLs*): what
/// `qctl acl` prints as a Redis 7 ACL file.
///
/// Redis checks every `redis.call` inside a script against the caller's ACL, so each role's key
/// patterns cover every key the scripts it runs touch (docs/protocol.md's script table says who
/// runs which). Key patterns are allow-lists, so a role that must not write a few keys of the
/// namespace lists the keys it may write one pattern at a time instead of `NS:*`.
public enum AccessRole: String, CaseIterable, Sendable {
    /// Leads or stands by: every key and channel of the namespace.
    case coordinator = "qrew-coordinator"
    /// Claims and runs tasks: task, run, queue, lease, gate and cache keys; not submissions,
    /// leadership, schedules, intake or idempotency keys.
    case worker = "qrew-worker"
    /// Submits runs and reads everything; its other writes (cancel, retry, signal, approve)
    /// travel as requests the leading coordinator executes.
    case submitter = "qrew-submitter"
    /// Reads only.
    case viewer = "qrew-viewer"

    /// The Redis user name.
    public var userName: String { rawValue }
}

/// Builds the ACL file text for one namespace.
public struct AccessControlList: Sendable {
    /// Why a namespace cannot be turned into ACL key patterns.
    public struct InvalidNamespace: Error, CustomStringConvertible, Sendable {
        /// What is wrong and how to fix it.
        public let description: String
    }

    /// How a role's user authenticates.
    public enum Credential: Sendable, Equatable {
        /// The user exists but is `off`: nobody can log in as it until a password is set
        /// (the committed `docker/users.acl`).
        case disabled
        /// The user is `on` with this password, stored as its SHA-256 (`#<hex>`), never in clear.
        case password(String)
    }

    /// The key prefix every role is limited to (`NS:`).
    public let namespace: String

    /// Refuses namespaces holding Redis glob characters (`* ? [ ] \`), whitespace or control
    /// characters: as key patterns they would grant more than the namespace, and ACL files split
    /// rules at spaces.
    public init(namespace: String) throws(InvalidNamespace) {
        guard !namespace.isEmpty else {
            throw InvalidNamespace(description: "the namespace is empty; pass --namespace NAME (default qrew)")
        }
        if let bad = namespace.unicodeScalars.first(where: { "*?[]\\\"'".unicodeScalars.contains($0) || $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7f }) {
            throw InvalidNamespace(description: "namespace \"\(namespace)\" holds \"\(Character(bad))\", which an ACL key pattern cannot hold literally; use letters, digits and - _ . : only")
        }
        self.namespace = namespace
    }

    /// The ACL file: one `user` line per role after the turned-off `default` user, credentials
    /// from `credential(role)`. Redis 7.0 ACL files hold nothing but `user` lines (no comments).
    public func file(credential: (AccessRole) -> Credential) -> String {
        var lines = ["user default off resetkeys resetchannels -@all"]
        for role in AccessRole.allCases {
            lines.append("user \(role.userName) \(Self.authentication(credential(role))) \(rules(for: role).joined(separator: " "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A role's ACL rules after the credential: keys, channels, commands and selectors.
    public func rules(for role: AccessRole) -> [String] {
        let ns = namespace + ":"
        let connection = ["-@all", "+@connection", "+time"]
        let scripts = ["+evalsha", "+eval", "+evalsha_ro", "+eval_ro", "+script|load", "+script|exists"]
        let subscribe = ["+subscribe", "+unsubscribe"]
        // lib/common asks PUBSUB NUMSUB before publishing a run's events.
        let publish = ["+publish", "+pubsub|numsub"]
        // Last, so no category added before grants one: KEYS, FLUSHALL, CONFIG, CLIENT KILL, ...
        let notDangerous = ["-@dangerous"]
        switch role {
        case .coordinator:
            return ["resetkeys", "resetchannels", "~\(ns)*", "&\(ns)*"] + connection
                + ["+@read", "+@write", "+@keyspace", "+@blocking", "+@stream"] + publish + scripts + subscribe + notDangerous
        case .worker:
            return ["resetkeys", "resetchannels", "%R~\(ns)*"] + Self.workerWritable.map { "~\(ns)\($0)" }
                + ["&\(ns)cancellations", "&\(ns)run:*"] + connection
                + ["+@read", "+@write", "+@blocking"] + publish + scripts + subscribe + notDangerous
        case .submitter:
            return ["resetkeys", "resetchannels", "%R~\(ns)*", "&\(ns)run:*"] + connection + ["+@read"] + scripts + subscribe + notDangerous
                + [
                    "(~\(ns)submissions ~\(ns)requests +xadd)",
                    "(~\(ns)idempotency:* +set +get)",
                    // submit_idempotent declares these keys (KEYS), which EVALSHA checks as
                    // read-write; the script's own SET and XADD are still checked one by one.
                    "(~\(ns)idempotency:* ~\(ns)submissions +evalsha)",
                ]
        case .viewer:
            return ["resetkeys", "resetchannels", "%R~\(ns)*", "&\(ns)run:*"] + connection + ["+@read"] + subscribe + notDangerous
        }
    }

    /// The keys (after `NS:`) a worker's scripts write: claim, heartbeat, complete,
    /// complete_from_cache, append_output, report_progress, skip_task, hand_back, record_crash
    /// and record_throttle, with the libraries they include (apply, finish, limits, gates, cache).
    public static let workerWritable = [
        "run:*", "task:*", "queue:*", "leases", "delayed", "events", "dlq", "dlq:seq", "tokens",
        "workers", "worker:*", "pool:*", "key:*", "breaker:*", "breakers", "rate:*", "gates:due",
        "readyclock", "fair:*", "queuetimeouts", "queues", "cache:*", "learn", "childrenDone",
        "expiring", "sweeping", "deadlines",
    ]

    /// `off`, or `on` with the password's SHA-256 (Redis's `#<hash>` rule).
    static func authentication(_ credential: Credential) -> String {
        switch credential {
        case .disabled:
            return "off resetpass"
        case .password(let password):
            return "on #" + passwordHash(password)
        }
    }

    /// The lowercase hex SHA-256 of `password`, as Redis stores it.
    public static func passwordHash(_ password: String) -> String {
        SHA256.hash(data: Data(password.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}
