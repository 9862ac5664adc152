import Crypto
import Foundation

/// What a signed task is for, part of what its signature covers, so a signature made for one use
/// does not verify for another (a fan-out placeholder moved to a worker queue is refused).
public enum SignedTaskKind: String, Sendable, Hashable {
    /// A task workers run: covers its spec.
    case task
    /// A dynamic fan-out placeholder (queue `__expand`): covers its spec, its plan (task field
    /// `fanOut`) and, when its tasks are child-workflow steps, their child workflow
    /// (`SignedTask.fanOutAttachment`).
    case fanOut = "fanout"
    /// A child-workflow step (queue `__workflow`): covers its spec and its child workflow (run
    /// field `childWorkflow:<step id>`).
    case childWorkflow = "child"

    /// The kind of a task stored on `queue`.
    public init(queue: String) {
        switch queue {
        case DynamicMatrix.placeholderQueue: self = .fanOut
        case ChildWorkflow.placeholderQueue: self = .childWorkflow
        default: self = .task
        }
    }
}

/// What a task signature covers: the namespace, run and task ids (not the attempt, so a retry
/// keeps its signature), the kind, the spec and, for placeholders, what the coordinator later
/// builds tasks from.
public struct SignedTask: Sendable, Hashable {
    public var kind: SignedTaskKind
    public var namespace: String
    public var runID: String
    public var taskID: String
    /// The task's spec, byte for byte as stored (JSON text).
    public var spec: String
    /// The fan-out plan or child workflow text for placeholders; "" for `task`.
    public var attachment: String

    public init(kind: SignedTaskKind, namespace: String, runID: String, taskID: String, spec: String, attachment: String = "") {
        self.kind = kind
        self.namespace = namespace
        self.runID = runID
        self.taskID = taskID
        self.spec = spec
        self.attachment = attachment
    }

    /// The attachment of a fan-out placeholder: its plan and the child workflow its tasks start
    /// ("" unless they are child-workflow steps), each as `<UTF-8 byte count>:<bytes>\n`.
    public static func fanOutAttachment(plan: String, childWorkflow: String) -> String {
        "\(plan.utf8.count):\(plan)\n\(childWorkflow.utf8.count):\(childWorkflow)\n"
    }

    /// Opens the canonical bytes; bumped if their layout ever changes.
    public static let canonicalVersion = "qrew-task-sig-v1"

    /// The bytes the MAC is computed over: `qrew-task-sig-v1\n`, then kind, namespace, run id,
    /// task id, spec and attachment, each as `<UTF-8 byte count>:<bytes>\n`. Length prefixes make
    /// the encoding unambiguous whatever the fields contain (newlines, colons).
    public var canonicalBytes: [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + namespace.utf8.count + runID.utf8.count + taskID.utf8.count + spec.utf8.count + attachment.utf8.count)
        bytes += Self.canonicalVersion.utf8
        bytes.append(UInt8(ascii: "\n"))
        for field in [kind.rawValue, namespace, runID, taskID, spec, attachment] {
            bytes += String(field.utf8.count).utf8
            bytes.append(UInt8(ascii: ":"))
            bytes += field.utf8
            bytes.append(UInt8(ascii: "\n"))
        }
        return bytes
    }
}

/// Why a signed-task check refused a task; the description is the reason a dead-letter entry carries.
public enum SignatureRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    /// The task carries no signature.
    case unsigned
    /// The signature is not `<key id>:<base64 MAC>`.
    case malformed
    /// The signature names a key that is neither the current nor the previous one.
    case unknownKey(String)
    /// The MAC does not match: the spec, identity or attachment was altered, or it was forged.
    case badSignature(keyID: String)

    public var description: String {
        switch self {
        case .unsigned: "signature refused: unsigned task"
        case .malformed: "signature refused: malformed signature"
        case .unknownKey(let id): "signature refused: unknown key id '\(id)'"
        case .badSignature(let id): "signature refused: bad signature (key \(id))"
        }
    }
}

/// Signs tasks (coordinator) and checks their signatures (workers, and the coordinator for the
/// placeholders it claims) with HMAC-SHA256 under a namespace's keys.
public struct TaskSigner: Sendable {
    public let keyring: SigningKeyring
    /// The namespace (key prefix) the tasks belong to: a task copied into another namespace is refused.
    public let namespace: String

    public init(keyring: SigningKeyring, namespace: String) {
        self.keyring = keyring
        self.namespace = namespace
    }

    /// The task field `sig`: `<current key id>:<base64 HMAC-SHA256 of the canonical bytes>`.
    public func signature(_ kind: SignedTaskKind, runID: String, taskID: String, spec: String, attachment: String = "") -> String {
        let subject = SignedTask(kind: kind, namespace: namespace, runID: runID, taskID: taskID, spec: spec, attachment: attachment)
        return keyring.current.id + ":" + Self.base64(keyring.current.mac.code(subject.canonicalBytes))
    }

    /// Checks `signature` (a task's `sig` field, "" when it has none) against the task it claims
    /// to sign; throws why it is refused. One HMAC under the named key, its base64 compared with
    /// the signature's in constant time: no decoding unless the task is refused.
    public func verify(
        _ signature: String, _ kind: SignedTaskKind, runID: String, taskID: String, spec: String, attachment: String = ""
    ) throws(SignatureRefusal) {
        guard !signature.isEmpty else { throw .unsigned }
        let bytes = signature.utf8
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed }
        let id = String(signature[..<colon])
        guard let key = keyring.key(id: id) else {
            throw SigningKey.isValidID(id) ? .unknownKey(id) : .malformed
        }
        let subject = SignedTask(kind: kind, namespace: namespace, runID: runID, taskID: taskID, spec: spec, attachment: attachment)
        let expected = Self.base64(key.mac.code(subject.canonicalBytes))
        guard Self.equalInConstantTime(bytes[bytes.index(after: colon)...], expected.utf8) else {
            // Refused either way; the reason tells a garbled MAC from a wrong one.
            let given = String(signature[signature.index(after: colon)...])
            guard let mac = Data(base64Encoded: given), mac.count == SHA256.byteCount else { throw .malformed }
            throw .badSignature(keyID: id)
        }
    }

    private static let base64Alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    /// The MAC in standard base64 with padding (44 characters), as `Data.base64EncodedString`
    /// writes it, without its `Data` and buffer round trips (the check runs per claimed task).
    private static func base64(_ mac: HMAC<SHA256>.MAC) -> String {
        mac.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            String(unsafeUninitializedCapacity: (input.count + 2) / 3 * 4) { output in
                var written = 0
                var index = 0
                while index < input.count {
                    let a = UInt32(input[index])
                    let b = index + 1 < input.count ? UInt32(input[index + 1]) : 0
                    let c = index + 2 < input.count ? UInt32(input[index + 2]) : 0
                    let triple = a << 16 | b << 8 | c
                    output[written] = base64Alphabet[Int(triple >> 18 & 63)]
                    output[written + 1] = base64Alphabet[Int(triple >> 12 & 63)]
                    output[written + 2] = index + 1 < input.count ? base64Alphabet[Int(triple >> 6 & 63)] : UInt8(ascii: "=")
                    output[written + 3] = index + 2 < input.count ? base64Alphabet[Int(triple & 63)] : UInt8(ascii: "=")
                    written += 4
                    index += 3
                }
                return written
            }
        }
    }

    /// Whether `a` and `b` hold the same bytes, in time that depends on their lengths only.
    private static func equalInConstantTime<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
