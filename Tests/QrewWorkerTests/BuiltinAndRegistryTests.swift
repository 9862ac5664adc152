import Testing
@testable import QrewWorker

@Suite struct BuiltinExecutorTests {
    @Test func echoOutputsItsMessage() async {
        let collector = Collector()
        let result = await run(TaskExecution(.echo(message: "hello qrew")), collector)
        #expect(result.outcome == .succeeded)
        #expect(result.output == "hello qrew")
        #expect(collector.lines == [OutputLine(.stdout, "hello qrew")])
    }

    @Test func sleepSucceeds() async {
        let result = await run(TaskExecution(.sleep(.milliseconds(50))))
        #expect(result.outcome == .succeeded)
        #expect(result.duration >= .milliseconds(50))
    }

    @Test func sleepHonoursTimeout() async {
        // Bounds far from both ends: on 2 cores busy with the rest of the suite a 100 ms timer has
        // fired seconds late, so what is checked is only that the timeout cut the sleep short.
        let result = await run(TaskExecution(.sleep(.seconds(300)), timeout: .milliseconds(100)))
        #expect(result.outcome == .timedOut)
        #expect(result.error == "timed out after 100ms")
        #expect(result.duration < .seconds(60), "the timeout must cut the 300 s sleep short")
    }

    @Test func sleepIsCancellable() async {
        let task = Task { await run(TaskExecution(.sleep(.seconds(300)))) }
        try? await Task.sleep(for: .milliseconds(50))
        let canceledAt = ContinuousClock.now
        task.cancel()
        let result = await task.value
        #expect(result.outcome == .canceled)
        #expect(ContinuousClock.now - canceledAt < .seconds(60), "cancellation must cut the 300 s sleep short")
    }

    @Test func failFailsWithItsMessage() async {
        let result = await run(TaskExecution(.fail(message: "on purpose")))
        #expect(result.outcome == .failed)
        #expect(result.error == "on purpose")
    }
}

@Suite struct ExecutorRegistryTests {
    struct ResizeError: Error, CustomStringConvertible {
        var description: String { "image too small" }
    }

    @Test func customHandlerRunsByTypeName() async {
        let registry = ExecutorRegistry()
        registry.register("resize-image") { context in
            guard case .custom(_, let params) = context.execution.kind else { return "" }
            if params["width"] == "0" { throw ResizeError() }
            await context.emit("resizing \(params["path"]!)")
            return "\(params["path"]!)@\(params["width"]!)w"
        }
        #expect(registry.registeredTypes == ["resize-image"])

        let collector = Collector()
        let ok = await registry.run(
            TaskExecution(.custom(type: "resize-image", parameters: ["path": "cat.png", "width": "640"])),
            onOutput: collector.sink)
        #expect(ok.outcome == .succeeded)
        #expect(ok.output == "cat.png@640w")
        #expect(collector.texts(.stdout) == ["resizing cat.png"])

        let bad = await registry.run(TaskExecution(.custom(type: "resize-image", parameters: ["path": "x", "width": "0"])))
        #expect(bad.outcome == .failed)
        #expect(bad.error == "image too small")
    }

    @Test func customHandlerTimesOut() async {
        let registry = ExecutorRegistry()
        registry.register("slow") { _ in
            try await Task.sleep(for: .seconds(30))
            return "never"
        }
        let result = await registry.run(TaskExecution(.custom(type: "slow"), timeout: .milliseconds(100)))
        #expect(result.outcome == .timedOut)
    }

    @Test func unknownTypeFails() async {
        let registry = ExecutorRegistry()
        registry.register("known") { _ in "" }
        let result = await registry.run(TaskExecution(.custom(type: "mystery")))
        #expect(result.outcome == .failed)
        #expect(result.error == "no executor registered for type 'mystery' (registered: known)")
    }
}
