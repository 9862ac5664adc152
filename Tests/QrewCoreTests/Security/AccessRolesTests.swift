import Foundation
import QrewCore
import Testing

@Suite("ACL roles file (qctl acl)")
struct AccessRolesTests {
    @Test(arguments: ["", "a b", "q*", "q?", "q[1]", "back\\slash", "tab\there", "quote\"d"])
    func namespacesThatAreNotLiteralKeyPatternsAreRefused(_ namespace: String) {
        #expect(throws: AccessControlList.InvalidNamespace.self) { try AccessControlList(namespace: namespace) }
    }

    @Test(arguments: ["qrew", "team-a.prod", "a:b", "q_1"])
    func plainNamespacesAreAccepted(_ namespace: String) throws {
        #expect(try AccessControlList(namespace: namespace).namespace == namespace)
    }

    @Test func everyRoleIsOneUserLineAndTheDefaultUserIsOff() throws {
        let text = try AccessControlList(namespace: "qrew").file { _ in .disabled }
        let users = text.split(separator: "\n")
        #expect(users.count == 5 && users.allSatisfy { $0.hasPrefix("user ") }, "Redis 7.0 ACL files hold only user lines")
        #expect(users.first == "user default off resetkeys resetchannels -@all")
        for role in AccessRole.allCases {
            let line = try #require(users.first { $0.hasPrefix("user \(role.userName) ") })
            #expect(line.contains(" off resetpass "), "a committed file holds no password: \(line)")
        }
    }

    @Test func aPasswordIsStoredAsItsSha256Only() throws {
        let text = try AccessControlList(namespace: "qrew").file { $0 == .worker ? .password("pw") : .disabled }
        // sha256("pw")
        let hash = "30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
        #expect(AccessControlList.passwordHash("pw") == hash)
        #expect(text.contains("user qrew-worker on #\(hash) "))
        #expect(!text.contains(">pw") && !text.contains(" pw "))
    }

    @Test func everyKeyPatternStaysInsideTheNamespace() throws {
        let acl = try AccessControlList(namespace: "team")
        for role in AccessRole.allCases {
            for rule in acl.rules(for: role) {
                for part in rule.trimmingCharacters(in: ["(", ")"]).split(separator: " ") where part.contains("~") || part.hasPrefix("&") {
                    let pattern = part.drop { $0 != "~" && $0 != "&" }.dropFirst()
                    #expect(pattern.hasPrefix("team:"), "\(role): \(part)")
                }
            }
        }
    }

    @Test func onlyTheCoordinatorWritesLeadershipAndOnlySubmittersAndCoordinatorsWriteSubmissions() throws {
        let acl = try AccessControlList(namespace: "ns")
        let worker = acl.rules(for: .worker)
        for forbidden in ["~ns:leader", "~ns:fence", "~ns:submissions", "~ns:schedule:*", "~ns:schedules", "~ns:intake:crashed", "~ns:idempotency:*", "~ns:*"] {
            #expect(!worker.contains(forbidden), "worker has \(forbidden)")
        }
        #expect(worker.contains("%R~ns:*"))
        let submitter = acl.rules(for: .submitter)
        #expect(submitter.contains("(~ns:submissions ~ns:requests +xadd)"))
        #expect(!submitter.contains("+@write") && !submitter.contains("~ns:*"))
        let viewer = acl.rules(for: .viewer)
        #expect(!viewer.contains { $0.hasPrefix("(") || $0 == "+@write" || $0 == "+evalsha" || $0 == "+publish" })
        #expect(acl.rules(for: .coordinator).contains("~ns:*"))
    }
}

@Suite("run requests (the submitter's request path)")
struct RunRequestTests {
    @Test(arguments: [
        RunRequest.cancel(run: "r1", reason: "by qctl"),
        .retry(run: "r1", fresh: true),
        .retry(run: "r1", fresh: false),
        .signal(run: "r1", event: "deployed", data: "{\"v\":1}"),
        .approve(run: "r1", taskIDs: ["gate", "deploy[region=eu]"], approve: true, by: "ana", reason: ""),
        .approve(run: "r1", taskIDs: ["gate"], approve: false, by: "ana", reason: "numbers off"),
    ])
    func fieldsRoundTrip(_ request: RunRequest) throws {
        let fields = Dictionary(uniqueKeysWithValues: request.fields)
        #expect(try RunRequest(fields: fields) == request)
    }

    @Test(arguments: [
        [String: String](),
        ["op": "drop", "run": "r1"],
        ["op": "cancel"],
        ["op": "cancel", "run": "a/b"],
        ["op": "cancel", "run": "r\n1"],
        ["op": "cancel", "run": String(repeating: "r", count: 513)],
        ["op": "retry", "run": "r1"],
        ["op": "retry", "run": "r1", "fresh": "yes"],
        ["op": "signal", "run": "r1", "event": ""],
        ["op": "approve", "run": "r1", "tasks": "", "by": "ana"],
        ["op": "approve", "run": "r1", "tasks": "a", "by": ""],
        ["op": "cancel", "run": "r1", "reason": String(repeating: "x", count: RunRequest.maxReasonBytes + 1)],
    ])
    func malformedRequestsAreRefusedWithAReason(_ fields: [String: String]) {
        #expect(throws: RunRequest.Invalid.self) { try RunRequest(fields: fields) }
    }

    @Test func tooManyTaskIdsAreRefused() {
        let ids = (0...RunRequest.maxTaskIDs).map { "t\($0)" }.joined(separator: "\n")
        #expect(throws: RunRequest.Invalid.self) { try RunRequest(fields: ["op": "approve", "run": "r", "tasks": ids, "by": "x"]) }
    }
}
