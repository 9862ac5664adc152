import Crypto
import Foundation
import Testing
@testable import QrewCore

/// Signed tasks: the key file, the canonical bytes and HMAC-SHA256 signing and checking.
struct TaskSignatureTests {
    /// Bytes 0...31: a valid key whose MAC the Python worker computes too (examples/workers/worker.py).
    static let keyBase64 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
    static let otherBase64 = Data((100..<140).map { UInt8($0) }).base64EncodedString()

    private func signer(_ file: String, namespace: String = "qrew") throws -> TaskSigner {
        TaskSigner(keyring: try SigningKeyring(parsing: file, source: "keys"), namespace: namespace)
    }

    @Test func theCanonicalBytesAreVersionedAndLengthPrefixed() {
        let subject = SignedTask(kind: .task, namespace: "qrew", runID: "r1", taskID: "a", spec: #"{"run":["echo","hi"]}"#)
        #expect(String(decoding: subject.canonicalBytes, as: UTF8.self)
            == "qrew-task-sig-v1\n4:task\n4:qrew\n2:r1\n1:a\n21:{\"run\":[\"echo\",\"hi\"]}\n0:\n")
        // Lengths count UTF-8 bytes, and a field holding a separator cannot pass for two fields.
        let accented = SignedTask(kind: .fanOut, namespace: "n", runID: "r", taskID: "é", spec: "a\n1:b", attachment: "p")
        #expect(String(decoding: accented.canonicalBytes, as: UTF8.self) == "qrew-task-sig-v1\n6:fanout\n1:n\n1:r\n2:é\n5:a\n1:b\n1:p\n")
        let shifted = SignedTask(kind: .task, namespace: "qrew", runID: "r1", taskID: "a\n2:r1", spec: "")
        let plain = SignedTask(kind: .task, namespace: "qrew", runID: "r1", taskID: "a", spec: "2:r1")
        #expect(shifted.canonicalBytes != plain.canonicalBytes)
    }

    @Test func aSignatureIsTheKeyIDAndTheBase64HMACOfTheCanonicalBytes() throws {
        let signature = try signer("k1:\(Self.keyBase64)").signature(.task, runID: "r1", taskID: "a", spec: #"{"run":["echo","hi"]}"#)
        // The same value Python's hmac gives for these bytes and key.
        #expect(signature == "k1:9ikw07uKjKDm0zoffNnpLVUUu29W9sAWmQ21pP/DBqw=")
    }

    @Test func signaturesMatchFoundationsBase64OfSwiftCryptosHMACForManyTasks() throws {
        let keyBytes = Data(base64Encoded: Self.keyBase64)!
        let keys = try signer("k1:\(Self.keyBase64)")
        var generator = SystemRandomNumberGenerator()
        for index in 0..<200 {
            let spec = String((0..<Int.random(in: 0..<400, using: &generator)).map { _ in Character(UnicodeScalar(UInt8.random(in: 32...126, using: &generator))) })
            let subject = SignedTask(kind: .task, namespace: "qrew", runID: "r", taskID: "t\(index)", spec: spec)
            let mac = HMAC<SHA256>.authenticationCode(for: subject.canonicalBytes, using: SymmetricKey(data: keyBytes))
            let signature = keys.signature(.task, runID: "r", taskID: "t\(index)", spec: spec)
            #expect(signature == "k1:" + Data(mac).base64EncodedString(), "\(spec)")
            try keys.verify(signature, .task, runID: "r", taskID: "t\(index)", spec: spec)
        }
    }

    @Test func aSignedTaskVerifiesAndAnyChangeIsRefused() throws {
        let keys = try signer("k1:\(Self.keyBase64)")
        let spec = #"{"run":["touch","/tmp/x"]}"#
        let signature = keys.signature(.task, runID: "r1", taskID: "a", spec: spec)
        try keys.verify(signature, .task, runID: "r1", taskID: "a", spec: spec)
        let bad = SignatureRefusal.badSignature(keyID: "k1")
        #expect(throws: bad) { try keys.verify(signature, .task, runID: "r1", taskID: "a", spec: spec + " ") }
        #expect(throws: bad) { try keys.verify(signature, .task, runID: "r2", taskID: "a", spec: spec) }
        #expect(throws: bad) { try keys.verify(signature, .task, runID: "r1", taskID: "b", spec: spec) }
        #expect(throws: bad) { try keys.verify(signature, .fanOut, runID: "r1", taskID: "a", spec: spec) }
        #expect(throws: bad) { try keys.verify(signature, .task, runID: "r1", taskID: "a", spec: spec, attachment: "x") }
        let otherNamespace = try self.signer("k1:\(Self.keyBase64)", namespace: "other")
        #expect(throws: bad) { try otherNamespace.verify(signature, .task, runID: "r1", taskID: "a", spec: spec) }
    }

    @Test func unsignedMalformedAndUnknownKeySignaturesAreRefusedWithTheirReason() throws {
        let keys = try signer("k1:\(Self.keyBase64)")
        let check = { (signature: String) in try keys.verify(signature, .task, runID: "r", taskID: "t", spec: "{}") }
        #expect(throws: SignatureRefusal.unsigned) { try check("") }
        #expect(throws: SignatureRefusal.malformed) { try check("no-colon") }
        #expect(throws: SignatureRefusal.malformed) { try check("k1:not base64!") }
        #expect(throws: SignatureRefusal.malformed) { try check("k1:AAAA") }
        #expect(throws: SignatureRefusal.unknownKey("k9")) { try check("k9:9ikw07uKjKDm0zoffNnpLVUUu29W9sAWmQ21pP/DBqw=") }
        #expect(SignatureRefusal.unsigned.description == "signature refused: unsigned task")
        #expect(SignatureRefusal.badSignature(keyID: "k1").description == "signature refused: bad signature (key k1)")
        #expect(SignatureRefusal.unknownKey("k9").description == "signature refused: unknown key id 'k9'")
    }

    @Test func rotationSignsWithTheCurrentKeyAndAcceptsThePrevious() throws {
        let old = try signer("k1:\(Self.keyBase64)")
        let rotated = try signer("# rotated\nk2:\(Self.otherBase64)\n\nk1:\(Self.keyBase64)\n")
        let oldSignature = old.signature(.task, runID: "r", taskID: "t", spec: "{}")
        let newSignature = rotated.signature(.task, runID: "r", taskID: "t", spec: "{}")
        #expect(newSignature.hasPrefix("k2:"))
        try rotated.verify(oldSignature, .task, runID: "r", taskID: "t", spec: "{}")
        try rotated.verify(newSignature, .task, runID: "r", taskID: "t", spec: "{}")
        #expect(throws: SignatureRefusal.unknownKey("k2")) { try old.verify(newSignature, .task, runID: "r", taskID: "t", spec: "{}") }
        let retired = try signer("k2:\(Self.otherBase64)")
        #expect(throws: SignatureRefusal.unknownKey("k1")) { try retired.verify(oldSignature, .task, runID: "r", taskID: "t", spec: "{}") }
    }

    @Test func placeholderKindsFollowTheirQueue() {
        #expect(SignedTaskKind(queue: "__expand") == .fanOut)
        #expect(SignedTaskKind(queue: "__workflow") == .childWorkflow)
        #expect(SignedTaskKind(queue: "default") == .task)
    }

    @Test(arguments: [
        ("", "keys: no key"),
        ("# only a comment\n", "keys: no key"),
        ("k1", "keys:1: expected '<key id>:<base64 key>'"),
        ("k1:%%%", "keys:1: the key of 'k1' is not base64"),
        ("\nk1:\(Data(count: 16).base64EncodedString())", "keys:2: key 'k1' is 16 bytes; at least 32"),
        ("k1:\(Data(count: 32).base64EncodedString())", "keys:1: key 'k1' is too regular"),
        ("bad id:\(TaskSignatureTests.keyBase64)", "keys:1: key id 'bad id' is not valid"),
        ("k1:\(TaskSignatureTests.keyBase64)\nk1:\(TaskSignatureTests.otherBase64)", "share the id 'k1'"),
        ("a:\(TaskSignatureTests.keyBase64)\nb:\(TaskSignatureTests.otherBase64)\nc:\(TaskSignatureTests.keyBase64)", "3 keys"),
    ])
    func badKeyFilesAreRefusedWithWhereAndWhy(file: String, message: String) {
        do {
            _ = try SigningKeyring(parsing: file, source: "keys")
            Issue.record("accepted \(file)")
        } catch {
            #expect(error.description.contains(message), "\(error.description)")
        }
    }

    @Test func newKeyLinesParseBackAndDiffer() throws {
        let line = try SigningKey.newKeyLine(id: "k2026")
        let keyring = try SigningKeyring(parsing: line, source: "new")
        #expect(keyring.current.id == "k2026")
        #expect(keyring.previous == nil)
        #expect(try SigningKey.newKeyLine(id: "k2026") != line)
        #expect(throws: SigningKeyError.badKeyID("a:b")) { try SigningKey.newKeyLine(id: "a:b") }
    }
}
