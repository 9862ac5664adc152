import Foundation
import QrewCoordinator
import QrewCore
import QrewQueue
import QrewRedis
import QrewTestSupport
import Testing

/// The roles of `qctl acl` on a real `redis-server --aclfile`: what each may do at the protocol
/// level, what Redis refuses it, and the submitter's request path through an in-process
/// coordinator logged in as qrew-coordinator.
@Suite("ACL roles against redis-server --aclfile", .serialized)
struct AclRoleTests {
    static let namespace = "acl"
    static let workflow = """
        name: acl
        steps:
          - id: a
            type: echo
            with: { message: hi }
          - id: b
            dependsOn: [a]
            type: echo
            with: { message: there }
        """

    /// Runs `body` with the server, an in-process coordinator as qrew-coordinator, and a queue
    /// client per role.
    private func withRoles(
        coordinator: Bool = true, _ body: (AclRedisServer, [AccessRole: QueueClient]) async throws -> Void
    ) async throws {
        try await withAclRedisServer(namespace: Self.namespace) { server in
            var clients: [AccessRole: QueueClient] = [:]
            for role in AccessRole.allCases { clients[role] = try server.queue(role) }
            defer { clients.values.forEach { $0.redis.close() } }
            var service: Task<Void, Never>?
            if coordinator {
                let instance = try Coordinator(configuration: CoordinatorConfiguration(
                    redisURL: try server.url(.coordinator), namespace: Self.namespace, id: "acl-coordinator",
                    retention: .seconds(600), maintenanceInterval: .milliseconds(50)))
                service = Task { await instance.run() }
            }
            do {
                try await body(server, clients)
            } catch {
                service?.cancel()
                await service?.value
                throw error
            }
            service?.cancel()
            await service?.value
        }
    }

    private func expectRefused<T>(_ what: String, _ body: () async throws -> T) async {
        do {
            _ = try await body()
            Issue.record("\(what) was allowed")
        } catch let error as QueueError {
            #expect(error.isPermissionDenied, "\(what): \(error)")
        } catch let error as RedisError {
            #expect(error.message.hasPrefix("NOPERM") || error.message.contains("can't"), "\(what): \(error)")
        } catch {
            Issue.record("\(what): \(error)")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func eachRoleDoesItsWorkAndIsRefusedTheRest() async throws {
        try await withRoles { server, clients in
            let (submitter, worker, viewer) = (clients[.submitter]!, clients[.worker]!, clients[.viewer]!)
            let keys = submitter.keys
            // The submitter submits; the coordinator stores the run; the worker claims a task.
            _ = try await submitter.enqueueSubmission(runID: "r1", fileName: "r1.yaml", workflow: Self.workflow, params: [:])
            _ = try await viewer.waitForRun("r1", timeout: .seconds(20)) { $0.tasks.contains { $0["state"] == "ready" } }
            let claimed = try await worker.claim(worker: "w1", lease: .seconds(30), max: 1, queues: ["default"])
            let task = try #require(claimed.first)

            // Submitter: no ready task, task hash, claim, complete, or another namespace.
            await expectRefused("submitter ZADD ready") { try await submitter.redis.send("ZADD", .string(keys.ready(queue: "default")), 1, "r1/x") }
            await expectRefused("submitter HSET task") { try await submitter.redis.send("HSET", .string(keys.task(task.ref)), "state", "succeeded") }
            await expectRefused("submitter claim") { try await submitter.claim(worker: "evil", lease: .seconds(30), max: 1, queues: ["default"]) }
            await expectRefused("submitter complete") {
                try await submitter.complete(task, outcome: .succeeded, exitCode: 0, output: "forged", error: nil, retryDelay: nil)
            }
            let other = try server.queue(.submitter, namespace: "other")
            defer { other.redis.close() }
            await expectRefused("submitter in another namespace") {
                try await other.enqueueSubmission(runID: "x", fileName: "x.yaml", workflow: Self.workflow, params: [:])
            }
            await expectRefused("submitter reading another namespace") { try await submitter.redis.send("GET", "other:secret") }
            await expectRefused("submitter SET leader") { try await submitter.redis.send("SET", .string(keys.prefix + ":leader"), "me:1") }

            // Worker: its task completes; no submissions, leadership, schedules or intake.
            #expect(try await worker.complete(task, outcome: .succeeded, exitCode: 0, output: "hi", error: nil, retryDelay: nil))
            await expectRefused("worker XADD submissions") {
                try await worker.enqueueSubmission(runID: "w", fileName: "w.yaml", workflow: Self.workflow, params: [:])
            }
            await expectRefused("worker SET leader") { try await worker.redis.send("SET", .string(keys.prefix + ":leader"), "w1:99") }
            await expectRefused("worker INCR fence") { try await worker.redis.send("INCR", .string(keys.prefix + ":fence")) }
            await expectRefused("worker HSET schedule") { try await worker.redis.send("HSET", .string(keys.prefix + ":schedule:x"), "cron", "* * * * *") }
            await expectRefused("worker DEL leader") { try await worker.redis.send("DEL", .string(keys.prefix + ":leader")) }
            await expectRefused("worker FLUSHALL") { try await worker.redis.send("FLUSHALL") }

            // Viewer: reads, writes nothing.
            #expect(try await viewer.runFields("r1")?["name"] == "acl")
            await expectRefused("viewer XADD submissions") {
                try await viewer.enqueueSubmission(runID: "v", fileName: "v.yaml", workflow: Self.workflow, params: [:])
            }
            await expectRefused("viewer HSET run") { try await viewer.redis.send("HSET", .string(keys.run("r1")), "state", "canceled") }
            await expectRefused("viewer cancel_run") { try await viewer.cancelRun("r1", reason: "no") }
            await expectRefused("viewer request") { try await viewer.enqueueRequest(.cancel(run: "r1", reason: "no")) }
            await expectRefused("viewer PUBLISH") { try await viewer.redis.send("PUBLISH", .string(keys.prefix + ":cancellations"), "r1/b") }

            // An idempotent submission (submit_idempotent) is the submitter's too, once per key.
            let first = try await submitter.enqueueIdempotentSubmission(
                key: "deploy-42", retention: .seconds(60), runID: "r-idem", fileName: "r.yaml", workflow: Self.workflow, params: [:])
            let again = try await submitter.enqueueIdempotentSubmission(
                key: "deploy-42", retention: .seconds(60), runID: "r-idem-2", fileName: "r.yaml", workflow: Self.workflow, params: [:])
            #expect(first == .queued(runID: "r-idem") && again == .existing(runID: "r-idem"))
            await expectRefused("worker submit_idempotent") {
                try await worker.enqueueIdempotentSubmission(
                    key: "w", retention: .seconds(60), runID: "w", fileName: "w.yaml", workflow: Self.workflow, params: [:])
            }

            // The rest of the runs still work for the worker.
            let deadline = ContinuousClock.now + .seconds(20)
            while try await viewer.runFields("r1")?["finishedAt"] == nil, ContinuousClock.now < deadline {
                let next = try await worker.claim(worker: "w1", lease: .seconds(30), max: 10, queues: ["default"])
                for task in next { _ = try await worker.complete(task, outcome: .succeeded, exitCode: 0, output: "there", error: nil, retryDelay: nil) }
                if next.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            }
            let finished = try await viewer.waitForRun("r1", timeout: .seconds(5)) { $0.isFinished }
            #expect(finished.state == "succeeded")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func theSubmittersCancelRetryAndSignalGoThroughTheCoordinator() async throws {
        try await withRoles { _, clients in
            let (submitter, viewer) = (clients[.submitter]!, clients[.viewer]!)
            _ = try await submitter.enqueueSubmission(runID: "r2", fileName: "r2.yaml", workflow: Self.workflow, params: [:])
            _ = try await viewer.waitForRun("r2", timeout: .seconds(20)) { $0.tasks.contains { $0["state"] == "ready" } }
            // Nothing works on it: the cancel is carried out by the coordinator.
            let canceled = try await submitter.cancelRunOrRequest("r2", reason: "by the submitter")
            #expect(canceled == 2)
            let run = try await viewer.waitForRun("r2", timeout: .seconds(20)) { $0.isFinished }
            #expect(run.state == "canceled" && run.fields["cancelReason"] == "by the submitter", "\(run.fields)")
            // Retry: the canceled tasks are reset and a is queued again.
            let retried = try await submitter.retryRunOrRequest("r2", fresh: false)
            guard case .retried(let count, _) = retried else { Issue.record("\(retried)"); return }
            #expect(count == 2)
            _ = try await viewer.waitForRun("r2", timeout: .seconds(20)) { $0.tasks.contains { $0["state"] == "ready" } }
            #expect(try await submitter.signalOrRequest("r2", event: "go", data: "x") == 0)
            #expect(try await submitter.cancelRunOrRequest("nope", reason: "x") == nil)
            // An approval decided by the submitter, carried out by the coordinator.
            _ = try await submitter.enqueueSubmission(runID: "r3", fileName: "r3.yaml", workflow: """
                name: gated
                steps:
                  - id: sign-off
                    type: approval
                """, params: [:])
            _ = try await viewer.waitForRun("r3", timeout: .seconds(20)) { $0.tasks.first?["state"] == "ready" }
            #expect(try await submitter.decideApprovalOrRequest("r3", taskIDs: ["sign-off"], approve: true, by: "ana", reason: "ok") == 1)
            let approved = try await viewer.waitForRun("r3", timeout: .seconds(20)) { $0.isFinished }
            #expect(approved.state == "succeeded" && approved.tasks.first?["decidedBy"] == "ana", "\(approved.tasks)")
            // A malformed request is answered, refused, and changes nothing.
            let id = try await submitter.redis.send("XADD", .string(submitter.keys.requests), "*", "op", "drop", "run", "r2").string ?? ""
            let reply = try await submitter.awaitRequestReply(id, timeout: .seconds(20))
            #expect(reply.outcome == .refused && reply.error?.contains("unknown op") == true, "\(reply)")
            #expect(try await viewer.runFields("r2")?["state"] == "running")
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func aRequestNoCoordinatorAnswersTimesOutWithAClearError() async throws {
        try await withRoles(coordinator: false) { server, clients in
            let submitter = clients[.submitter]!
            // A run the submitter may read but not cancel itself (stored by the full-access user).
            let admin = RedisClient(configuration: try testConfiguration(for: server.server))
            defer { admin.close() }
            _ = try await admin.send("HSET", .string(submitter.keys.run("r")), "id", "r", "state", "running")
            await #expect(throws: RunRequestTimeout.self) {
                _ = try await submitter.perform(.cancel(run: "r", reason: "x"), timeout: .milliseconds(300))
            }
            #expect(try await admin.send("HGET", .string(submitter.keys.run("r")), "state").string == "running", "the refused script changed nothing")
        }
    }
}
