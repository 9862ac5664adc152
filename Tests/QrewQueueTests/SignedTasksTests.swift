import Foundation
import QrewCore
import QrewQueue
import QrewRedis
import Testing

/// Signed tasks in the queue layer, on a real redis-server: what the coordinator stores, what
/// `claim` carries, and the leader refusing forged placeholders (docs/protocol.md, *Signed tasks*).
@Suite("signed tasks (queue)")
struct SignedTasksTests {
    static let workflow = """
        name: signed
        steps:
          - id: list
            run: [echo]
          - id: fan
            matrix: { item: "${{ fromJSON(steps.list.output) }}" }
            run: [echo, "${{ matrix.item }}"]
          - id: deploy
            type: workflow
            dependsOn: [list]
            workflow:
              name: deploy
              steps:
                - id: push
                  run: [echo, pushed]
        """

    static func signer(namespace: String) throws -> TaskSigner {
        TaskSigner(keyring: try SigningKeyring(parsing: try SigningKey.newKeyLine(id: "k1"), source: "test"), namespace: namespace)
    }

    /// A coordinator's intake that signs with a fresh key for `q`'s namespace.
    static func intake(_ q: QueueFixture) throws -> RunIntake {
        var intake = RunIntake(retention: .seconds(600))
        intake.signer = try Self.signer(namespace: q.queue.keys.prefix)
        return intake
    }

    @Test func theCoordinatorSignsEveryTaskAndClaimCarriesTheSignature() async throws {
        try await withQueue { q throws in
            let intake = try Self.intake(q)
            let signer = try #require(intake.signer)
            let prepared = try intake.prepare(runID: "r1", text: Self.workflow, fileName: "signed.yaml", params: [:])
            for task in prepared.record.tasks {
                let signature = task.signature
                #expect(!signature.isEmpty, "\(task.id) unsigned")
                let kind = SignedTaskKind(queue: task.queue)
                let attachment = switch kind {
                case .task: ""
                case .fanOut: SignedTask.fanOutAttachment(plan: task.fields["fanOut"] ?? "", childWorkflow: "")
                case .childWorkflow: prepared.record.fields["childWorkflow:deploy"] ?? ""
                }
                #expect(kind != .task || task.id == "list")
                try signer.verify(signature, kind, runID: "r1", taskID: task.id, spec: task.spec, attachment: attachment)
            }
            #expect(try await q.queue.submitRun(prepared.record, fence: q.fence).created)
            let list = try #require(try await q.claim(1).first)
            #expect(list.signature == prepared.record.tasks.first { $0.id == "list" }?.signature)
            try list.verifySignature(with: signer)

            // The fan-out's tasks are signed when it expands; the placeholder is checked first.
            try await q.succeed(list, output: #"["a","b"]"#)
            try await q.applyAll()
            let placeholder = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.fanOutQueue]).first)
            let (outcome, count) = try await q.queue.expandFanOut(placeholder, limit: 10, signer: signer, fence: q.fence)
            #expect(outcome == .expanded && count == 2)
            for child in try await q.claimExactly(2) { try child.verifySignature(with: signer) }

            // The child workflow step is checked against its child workflow, and its child run signed.
            let step = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue]).first)
            let (started, childRun) = try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence)
            #expect(started == .started)
            let push = try #require(try await q.claim(1).first)
            #expect(push.ref.runID == childRun)
            try push.verifySignature(with: signer)
        }
    }

    @Test func anUnsignedTaskClaimsWithAnEmptySignature() async throws {
        try await withQueue { q throws in
            let prepared = try RunIntake().prepare(runID: "r1", text: "name: u\nsteps:\n  - id: a\n    run: [echo]\n", fileName: "u.yaml", params: [:])
            #expect(prepared.record.tasks.allSatisfy { $0.signature.isEmpty && $0.fields["sig"] == nil })
            _ = try await q.queue.submitRun(prepared.record, fence: q.fence)
            let task = try #require(try await q.claim(1).first)
            #expect(task.signature == "")
            #expect(throws: SignatureRefusal.unsigned) { try task.verifySignature(with: try Self.signer(namespace: q.queue.keys.prefix)) }
        }
    }

    @Test func aPlaceholderWithAnAlteredPlanOrChildWorkflowIsRefusedAndBuildsNothing() async throws {
        try await withQueue { q throws in
            let intake = try Self.intake(q)
            let prepared = try intake.prepare(runID: "r1", text: Self.workflow, fileName: "signed.yaml", params: [:])
            #expect(try await q.queue.submitRun(prepared.record, fence: q.fence).created)
            // An attacker rewrites the plan and the child workflow the leader would build from.
            let plan = try #require(prepared.record.tasks.first { $0.id == "fan" }?.fields["fanOut"])
            _ = try await q.redis.send("HSET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "fan"))), "fanOut",
                                       .string(plan.replacingOccurrences(of: "\"default\"", with: "\"evil\"")))
            _ = try await q.redis.send("HSET", .string(q.queue.keys.run("r1")), "childWorkflow:deploy",
                                       #"{"text":"name: evil\nsteps:\n  - id: x\n    run: [touch, /tmp/evil]\n","fileName":"evil.yaml","files":{}}"#)
            try await q.succeed(try #require(try await q.claim(1).first), output: #"["a"]"#)
            try await q.applyAll()

            let placeholder = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.fanOutQueue]).first)
            let (outcome, count) = try await q.queue.expandFanOut(placeholder, limit: 10, signer: intake.signer, fence: q.fence)
            #expect(outcome == .failed && count == 0)
            #expect(try await q.state("r1", "fan") == "failed")
            #expect(try await q.redis.send("HGET", .string(q.queue.keys.task(TaskRef(runID: "r1", taskID: "fan"))), "error").string
                == "signature refused: bad signature (key k1)")

            let step = try #require(try await q.queue.claim(
                worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue]).first)
            let (started, childRun) = try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence)
            #expect(started == .failed)
            #expect(try await q.queue.runFields(childRun) == nil, "no child run was stored")
            let letters = try await q.queue.deadLetters()
            #expect(letters.contains { $0.ref == "r1/deploy" && $0.reason == "signature refused: bad signature (key k1)" }, "\(letters)")
        }
    }

    /// A dynamic fan-out of child workflows: the placeholder's signature covers the child
    /// workflow its tasks will start, so a rewritten run field is refused before anything is
    /// signed over it.
    @Test func aFanOutOfChildWorkflowsCoversTheChildWorkflow() async throws {
        let workflow = """
            name: fancw
            steps:
              - id: list
                run: [echo]
              - id: deploy
                type: workflow
                matrix: { region: "${{ fromJSON(steps.list.output) }}" }
                with: { region: "${{ matrix.region }}" }
                workflow:
                  name: d
                  params: { region: x }
                  steps:
                    - id: push
                      run: [echo, "${{ params.region }}"]
            """
        for tampered in [false, true] {
            try await withQueue { q throws in
                let intake = try Self.intake(q)
                let signer = try #require(intake.signer)
                let prepared = try intake.prepare(runID: "r1", text: workflow, fileName: "fancw.yaml", params: [:])
                #expect(try await q.queue.submitRun(prepared.record, fence: q.fence).created)
                if tampered {
                    _ = try await q.redis.send("HSET", .string(q.queue.keys.run("r1")), "childWorkflow:deploy",
                                               #"{"text":"name: evil\nsteps:\n  - id: x\n    run: [touch, /tmp/evil]\n","fileName":"e.yaml"}"#)
                }
                try await q.succeed(try #require(try await q.claim(1).first), output: #"["eu","us"]"#)
                try await q.applyAll()
                let placeholder = try #require(try await q.queue.claim(
                    worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.fanOutQueue]).first)
                let (outcome, count) = try await q.queue.expandFanOut(placeholder, limit: 10, signer: signer, fence: q.fence)
                if tampered {
                    #expect(outcome == .failed && count == 0)
                    #expect(try await q.queue.claim(worker: "coordinator", lease: .seconds(30), max: 10,
                                                    queues: [QueueClient.childWorkflowQueue]).isEmpty)
                } else {
                    #expect(outcome == .expanded && count == 2)
                    let steps = try await q.queue.claim(
                        worker: "coordinator", lease: .seconds(30), max: 10, queues: [QueueClient.childWorkflowQueue])
                    #expect(steps.count == 2)
                    for step in steps {
                        let (started, _) = try await q.queue.startChildWorkflow(step, intake: intake, fence: q.fence)
                        #expect(started == .started, "\(step.ref)")
                    }
                }
            }
        }
    }

    /// A big run is signed in parts on all cores: every task signed, in the record's order.
    @Test func aBigRunIsSignedWholeAndInOrder() throws {
        let signer = try Self.signer(namespace: "qrew")
        let tasks = (0..<2500).map { index in
            TaskRecord(id: "t\(index)", step: "s", queue: "default", priority: 0, deps: 0, dependents: [], limits: [], refs: [],
                       spec: #"{"run":["echo","\#(index)"]}"#, maxAttempts: 1, continueOnError: false)
        }
        let signed = RunRecord(runID: "big", fields: [:], limits: [:], tasks: tasks).signed(by: signer)
        #expect(signed.tasks.map(\.id) == tasks.map(\.id))
        for task in signed.tasks {
            try signer.verify(task.signature, .task, runID: "big", taskID: task.id, spec: task.spec)
        }
    }
}
