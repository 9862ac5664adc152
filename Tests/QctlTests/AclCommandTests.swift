import Foundation
import QrewCore
import Testing

/// `qctl acl`: the file it prints, the passwords it takes, and the committed docker/users.acl.
@Suite("qctl acl")
struct AclCommandTests {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test func theCommittedDockerFileIsTheOutputForNamespaceQrew() async throws {
        let printed = try await qctl("acl", "--namespace", "qrew")
        #expect(printed.status == 0, "\(printed.stderr)")
        let committed = try String(contentsOf: Self.repository.appendingPathComponent("docker/users.acl"), encoding: .utf8)
        #expect(printed.stdout == committed, "regenerate it: qctl acl --namespace qrew > docker/users.acl")
        #expect(!committed.contains(" on "), "the committed file turns every user off")
    }

    @Test func aPasswordsDirectoryTurnsThoseUsersOnWithTheirHashes() async throws {
        let directory = try temporaryDirectory()
        try "w0rker\n".write(toFile: directory + "/qrew-worker.password", atomically: true, encoding: .utf8)
        let output = directory + "/users.acl"
        let written = try await qctl("acl", "--namespace", "team", "--passwords-dir", directory, "-o", output)
        #expect(written.status == 0 && written.stdout.isEmpty, "\(written.stderr)")
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains("user qrew-worker on #\(AccessControlList.passwordHash("w0rker")) "))
        #expect(text.contains("user qrew-viewer off resetpass ") && !text.contains("w0rker"))
        #expect(text.contains("~team:task:*") && !text.contains("qrew:"))
    }

    @Test func badInputIsRefusedWithAUsageError() async throws {
        let glob = try await qctl("acl", "--namespace", "team*")
        #expect(glob.status == 2 && glob.stderr.contains("cannot hold literally"), "\(glob.stderr)")
        let missing = try await qctl("acl", "--passwords-dir", "/nonexistent/dir")
        #expect(missing.status == 2 && missing.stderr.contains("is not a directory"), "\(missing.stderr)")
    }
}
