import QrewQueue
import QrewRedis
import Testing

/// Named pools are shared by every run of the namespace (`P:pool:<name>`, lib/limits.lua): the
/// slot a task holds is given back on every way out of `running`, and a waiter of a run that
/// ends early never holds back another run.
@Suite("shared pools")
struct SharedPoolTests {
    private static let pool = ["pool:db": 1]

    private func pooled(_ id: String, priority: Int = 10) -> TaskRecord {
        task(id, priority: priority, limits: ["pool:db"])
    }

    private func inflight(_ q: QueueFixture) async throws -> Int? {
        try await q.redis.send("HGET", "qt:pool:db", "inflight").string.flatMap { Int($0) }
    }

    /// Claims with room for many, so every pooled task behind the one claimed is parked.
    private func claimOne(_ q: QueueFixture) async throws -> ClaimedTask {
        let claimed = try await q.claim(10)
        try #require(claimed.count == 1, "claimed \(claimed.map(\.ref.description))")
        return claimed[0]
    }

    private func parked(_ q: QueueFixture) async throws -> [String] {
        try await q.redis.send("ZRANGE", "qt:pool:db:parked", "0", "-1").array?.compactMap(\.string) ?? []
    }

    @Test func twoRunsSharingAPoolOfOneNeverRunTwoOfItsTasksAtOnce() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [pooled("a"), pooled("b")], limits: Self.pool)
            try await q.submit("r2", [pooled("a"), pooled("b")], limits: Self.pool)
            var done: [String] = []
            while done.count < 4 {
                let claimed = try await q.claim(10, worker: "w\(done.count % 2)")
                try #require(claimed.count == 1, "claimed \(claimed.map(\.ref.description)) with \(done) done")
                #expect(try await q.claim(10, worker: "other").isEmpty)
                #expect(try await inflight(q) == 1)
                try await q.succeed(claimed[0])
                done.append(claimed[0].ref.description)
            }
            #expect(Set(done) == ["r1/a", "r1/b", "r2/a", "r2/b"])
            #expect(try await inflight(q) == 0)
            #expect(try await parked(q).isEmpty)
        }
    }

    @Test func aFailureReleasesTheSlotWithOrWithoutARetry() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", priority: 50, limits: ["pool:db"], maxAttempts: 2)], limits: Self.pool)
            try await q.submit("r2", [pooled("b")], limits: Self.pool)
            let a = try #require(try await q.claim(10).first)
            try await q.fail(a, retryDelay: .zero)
            let b = try #require(try await q.claim(10).first)
            #expect(b.ref.description == "r2/b")
            _ = try await q.queue.promoteDelayed(fence: q.fence)
            #expect(try await q.claim(10).isEmpty)
            try await q.fail(b)
            #expect(try await q.claimExactly(1).first?.ref.description == "r1/a")
            #expect(try await inflight(q) == 1)
        }
    }

    @Test func aCanceledRunGivesItsSlotToAnotherRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [pooled("a", priority: 50)], limits: Self.pool)
            try await q.submit("r2", [pooled("b")], limits: Self.pool)
            _ = try await claimOne(q)
            #expect(try await parked(q) == ["r2/b"])
            _ = try await q.queue.cancelRun("r1", reason: "user")
            #expect(try await q.claimExactly(1).first?.ref.description == "r2/b")
        }
    }

    @Test func aReapedLeaseGivesItsSlotBack() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [task("a", priority: 50, limits: ["pool:db"], maxAttempts: 2)], limits: Self.pool)
            try await q.submit("r2", [pooled("b")], limits: Self.pool)
            _ = try await q.claimExactly(1, lease: .seconds(1))
            q.clock.advance(by: .seconds(2))
            #expect(try await q.queue.reapLeases(fence: q.fence) == ["r1/a"])
            #expect(try await q.claimExactly(1).first?.ref.description == "r2/b")
            #expect(try await inflight(q) == 1)
        }
    }

    @Test func aHandedBackTaskGivesItsSlotBack() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [pooled("a", priority: 50)], limits: Self.pool)
            try await q.submit("r2", [pooled("b")], limits: Self.pool)
            let a = try await claimOne(q)
            #expect(try await q.queue.handBack(a))
            // The handed-back task and the unparked one compete again, best score first.
            #expect(try await claimOne(q).ref.description == "r1/a")
            #expect(try await parked(q) == ["r2/b"])
            #expect(try await inflight(q) == 1)
        }
    }

    @Test func aParkedTaskOfACanceledRunDoesNotBlockAnotherRun() async throws {
        try await withQueue { q throws in
            try await q.submit("r0", [pooled("holder", priority: 90)], limits: Self.pool)
            try await q.submit("r1", [pooled("a", priority: 50)], limits: Self.pool)
            try await q.submit("r2", [pooled("b", priority: 10)], limits: Self.pool)
            let holder = try await claimOne(q)
            #expect(Set(try await parked(q)) == ["r1/a", "r2/b"])
            _ = try await q.queue.cancelRun("r1", reason: "user")
            #expect(try await parked(q) == ["r2/b"])
            try await q.succeed(holder)
            #expect(try await q.claimExactly(1).first?.ref.description == "r2/b")
        }
    }

    @Test func aWaiterUnparkedForARunThatIsThenCanceledPassesTheSlotOn() async throws {
        try await withQueue { q throws in
            try await q.submit("r0", [pooled("holder", priority: 90)], limits: Self.pool)
            try await q.submit("r1", [pooled("a", priority: 50)], limits: Self.pool)
            try await q.submit("r2", [pooled("b", priority: 10)], limits: Self.pool)
            let holder = try await claimOne(q)
            try await q.succeed(holder)
            // r1/a was unparked into the ready queue; its run ends before anyone claims it.
            #expect(try await parked(q) == ["r2/b"])
            _ = try await q.queue.cancelRun("r1", reason: "user")
            #expect(try await q.claimExactly(1).first?.ref.description == "r2/b")
        }
    }

    @Test func failFastDropsTheFailedRunsWaitersAndFreesItsSlots() async throws {
        try await withQueue { q throws in
            try await q.submit("r1", [pooled("a", priority: 90), pooled("later", priority: 80)], limits: Self.pool, fields: ["failFast": "true"])
            try await q.submit("r2", [pooled("b", priority: 10)], limits: Self.pool)
            let a = try await claimOne(q)
            try await q.fail(a)
            try await q.applyAll()
            #expect(try await q.runField("r1", "state") == "failed")
            #expect(try await q.state("r1", "later") == "canceled")
            #expect(try await q.claimExactly(1).first?.ref.description == "r2/b")
            #expect(try await parked(q).isEmpty)
        }
    }

    @Test func theLatestSubmissionSetsThePoolSizeAndAGrownPoolUnparksAtOnce() async throws {
        try await withQueue { q throws in
            let first = try await q.queue.submitRun(
                RunRecord(runID: "r1", fields: [:], limits: ["pool:db": 1], tasks: [pooled("a"), pooled("b")]), fence: q.fence)
            #expect(first.created && first.resizedPools.isEmpty)
            _ = try await q.claimExactly(1)
            #expect(try await q.claim(10).isEmpty)
            let second = try await q.queue.submitRun(
                RunRecord(runID: "r2", fields: [:], limits: ["pool:db": 3], tasks: [pooled("c")]), fence: q.fence)
            #expect(second.resizedPools == [SubmittedRun.PoolResize(pool: "db", previousSize: 1, size: 3)])
            #expect(Set(try await q.claim(10).map(\.ref.description)) == ["r1/b", "r2/c"])
            #expect(try await q.redis.send("HGET", "qt:pool:db", "size").string == "3")
        }
    }
}
