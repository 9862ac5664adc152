import Foundation
import HTTPTypes
import Hummingbird
import QrewCore
import QrewInspect
import QrewQueue

/// The routes of `qrew-web` (docs/http-api.md, docs/openapi.yaml): reads build the same
/// documents as `qctl` (`QrewInspect`), writes call the same `QueueClient` operations.
/// Stateless: any number of servers may serve one cluster.
public struct WebAPI: Sendable {
    let queue: QueueClient
    let configuration: WebConfiguration
    let access: WriteAccess
    let streams: EventStreamSlots
    let dashboard: Dashboard

    public init(queue: QueueClient, configuration: WebConfiguration) throws {
        self.queue = queue
        self.configuration = configuration
        access = WriteAccess(configuration)
        streams = EventStreamSlots(limit: configuration.maxEventStreams)
        dashboard = try Dashboard.bundled()
    }

    /// A router with every route.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        let api = self
        router.get("/") { _, _ in api.dashboard.page("index.html") }
        router.get("/assets/:file") { _, context in
            let name = context.parameters.get("file") ?? ""
            guard let page = api.dashboard.asset(name) else { throw APIError.notFound("no asset '\(name)'") }
            return page
        }
        router.get("/api/config") { _, _ in
            try Self.json(["writes": api.configuration.writes.rawValue, "namespace": api.queue.keys.prefix])
        }
        router.get("/api/runs") { request, _ in try await api.guarded { try await api.listRuns(request) } }
        router.post("/api/runs") { request, _ in try await api.guarded { try await api.submit(request) } }
        router.get("/api/runs/:id") { _, context in try await api.guarded { try await api.status(context) } }
        router.get("/api/runs/:id/plan") { _, context in try await api.guarded { try await api.plan(context) } }
        router.get("/api/runs/:id/stats") { _, context in try await api.guarded { try await api.statistics(context) } }
        router.get("/api/runs/:id/tasks/:task") { _, context in try await api.guarded { try await api.task(context) } }
        router.get("/api/runs/:id/events") { request, context in try await api.guarded { try await api.events(request, context) } }
        router.post("/api/runs/:id/cancel") { request, context in try await api.guarded { try await api.cancel(request, context) } }
        router.post("/api/runs/:id/retry") { request, context in try await api.guarded { try await api.retry(request, context) } }
        router.get("/api/workers") { _, _ in try await api.guarded { try await api.workers() } }
        router.get("/api/dlq") { request, _ in try await api.guarded { try await api.deadLetters(request) } }
        router.post("/api/dlq/:id/requeue") { request, context in try await api.guarded { try await api.requeue(request, context) } }
        // Anything else under /api: a JSON 404 that says where the endpoints are listed.
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch] {
            router.on("/api/**", method: method) { request, _ -> Response in
                throw APIError.notFound("no endpoint \(request.method) \(request.uri.path); the API is described in docs/http-api.md")
            }
        }
        router.get("/api/pools") { _, _ in try await api.guarded { try Self.json(try await api.queue.pools()) } }
        return router
    }

    /// Runs a handler, answering a Redis failure with 503 and anything unforeseen with a JSON
    /// 500 that names it (so no request ends without a message).
    private func guarded(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as APIError {
            throw error
        } catch let error as QueueError {
            throw APIError(status: .serviceUnavailable, message: "Redis: \(error)")
        } catch let error as HTTPResponseError {
            throw error
        } catch {
            throw APIError(status: .internalServerError, message: "\(error)")
        }
    }

    // MARK: reads

    private func listRuns(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let limit = try Self.integer(query["limit"], name: "limit", default: 50, range: 1...1000)
        var cursor: RunPageCursor?
        if let text = query["cursor"].map(String.init) {
            guard let parsed = RunPageCursor(text) else { throw APIError.badRequest("cursor: '\(text)' is not a cursor from a previous page's nextCursor") }
            cursor = parsed
        }
        let states = Set(query[values: "state"].flatMap { $0.split(separator: ",").map(String.init) })
        for state in states where !Self.runStates.contains(state) {
            throw APIError.badRequest("state: '\(state)' is not a run state; use one of \(Self.runStates.sorted().joined(separator: ", "))")
        }
        let page = try await queue.runPage(after: cursor, limit: limit, states: states)
        return try Self.json(RunListPage(runs: page.runs.map { RunListEntry(id: $0.id, fields: $0.fields) }, nextCursor: page.next?.text))
    }

    /// On `GET /api/runs/{id}`: the run's stream position read just before the document, to
    /// pass as `Last-Event-ID` (or `?lastEventId=`) to follow the run from that document on.
    static let streamPositionHeader = HTTPField.Name("X-Qrew-Stream-Position")!

    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!
    /// Asks a proxy in front (nginx) not to buffer the event stream.
    static let accelBufferingHeader = HTTPField.Name("X-Accel-Buffering")!

    static let runStates: Set<String> = ["queued", "running", "succeeded", "failed", "canceled", "canceling", "retrying"]

    private func status(_ context: BasicRequestContext) async throws -> Response {
        let id = try Self.runID(context)
        // Read before the snapshot: events after it are at most replayed on top of it, never missed.
        let position = try await queue.runStreamPosition(id) ?? "0"
        guard let snapshot = try await queue.runSnapshot(id) else { throw Self.unknownRun(id) }
        let document = RunStatusDocument(
            snapshot, gateWaits: try await queue.gateWaits(snapshot), childStates: try await queue.childRunStates(snapshot))
        var response = try Self.json(document)
        response.headers[Self.streamPositionHeader] = position
        return response
    }

    private func plan(_ context: BasicRequestContext) async throws -> Response {
        let id = try Self.runID(context)
        guard let run = try await queue.runFields(id),
              let tasks = try await queue.runTaskFields(id, fields: ["id", "step", "priority", "dependents"])
        else { throw Self.unknownRun(id) }
        let inputs = tasks.map { fields in
            RunPlan.Input(
                id: fields["id"] ?? "", step: fields["step"] ?? "", priority: Int(fields["priority"] ?? "") ?? 0,
                dependents: Self.stringArray(fields["dependents"]))
        }
        return try Self.json(RunPlan(run: id, name: run["name"] ?? "", tasks: inputs))
    }

    /// `qctl stats --json`'s document: where the run's time went, with recommendations.
    private func statistics(_ context: BasicRequestContext) async throws -> Response {
        let id = try Self.runID(context)
        guard let records = try await queue.runRecords(id) else { throw Self.unknownRun(id) }
        return try Self.json(RunStatistics(records))
    }

    private func task(_ context: BasicRequestContext) async throws -> Response {
        let id = try Self.runID(context)
        let taskID = Self.decoded(context.parameters.get("task") ?? "")
        guard let fields = try await queue.taskFields(TaskRef(runID: id, taskID: taskID)) else {
            throw APIError.notFound("run '\(id)' has no task '\(taskID)' (or the run expired)")
        }
        return try Self.json(RunStatusDocument.TaskStatus(fields))
    }

    private func events(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        let id = try Self.runID(context)
        var position = RunEventStream.Position.start
        if let text = request.headers[Self.lastEventIDHeader] ?? request.uri.queryParameters["lastEventId"].map(String.init) {
            guard let parsed = RunEventStream.Position(eventID: text) else {
                throw APIError.badRequest("Last-Event-ID: '\(text)' is not an event id of this stream (<ms>-<seq> or <ms>-<seq>/<n>)")
            }
            position = parsed
        }
        guard try await queue.runFields(id) != nil else { throw Self.unknownRun(id) }
        guard streams.take() else {
            throw APIError(
                status: .serviceUnavailable,
                message: "too many event streams open (\(streams.limit), qrew-web --max-event-streams); retry later",
                headers: [.retryAfter: "5"])
        }
        let stream = RunEventStream(queue: queue, runID: id, position: position)
        let slots = streams
        let body = ResponseBody { writer in
            defer { slots.release() }
            try await stream.write(to: &writer)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", Self.accelBufferingHeader: "no"],
            body: body)
    }

    private func workers() async throws -> Response {
        let now = try await queue.serverTime()
        let workers = try await queue.workers(seenWithin: configuration.workerWindow, now: now)
        return Self.jsonResponse(try WorkerDocument.json(workers))
    }

    private func deadLetters(_ request: Request) async throws -> Response {
        let limit = try Self.integer(request.uri.queryParameters["limit"], name: "limit", default: 100, range: 1...10_000)
        return try Self.json(try await queue.deadLetters(limit: limit))
    }

    // MARK: writes

    private func submit(_ request: Request) async throws -> Response {
        try access.check(request)
        var request = request
        let bytes: ByteBuffer
        do {
            bytes = try await request.collectBody(upTo: configuration.maxBodyBytes)
        } catch {
            throw APIError(status: .contentTooLarge, message: "the body is over \(configuration.maxBodyBytes) bytes")
        }
        guard let text = String(validating: bytes.readableBytesView, as: UTF8.self) else {
            throw APIError.badRequest("the body must be the workflow as UTF-8 YAML or JSON text")
        }
        let query = request.uri.queryParameters
        var params: [String: String] = [:]
        for item in query[values: "set"] {
            guard let equals = item.firstIndex(of: "="), equals != item.startIndex else {
                throw APIError.badRequest("set: expects key=value, got '\(item)'")
            }
            params[String(item[..<equals])] = String(item[item.index(after: equals)...])
        }
        let fileName = query["file"].map(String.init) ?? "request"
        let prepared: RunIntake.PreparedRun
        do {
            prepared = try RunIntake().prepare(runID: "validate", text: text, fileName: fileName, params: params)
        } catch {
            let count = error.problems.count
            throw APIError(
                status: .unprocessableContent, message: "\(count) problem\(count == 1 ? "" : "s"); nothing was queued",
                problems: error.problems.map(\.description))
        }
        let id = RunID.generate(workflowName: prepared.workflow.name)
        _ = try await queue.enqueueSubmission(runID: id, fileName: fileName, workflow: text, params: params)
        // As qctl submit: wait (a little) until a coordinator stored the run, so it can be read.
        let deadline = ContinuousClock.now + configuration.pickupTimeout
        var stored = false
        while ContinuousClock.now < deadline {
            if let fields = try await queue.runFields(id) {
                if fields["state"] == "failed", let error = fields["error"], !error.isEmpty {
                    throw APIError(
                        status: .unprocessableContent, message: "the coordinator rejected run \(id)",
                        problems: error.split(separator: "\n").map(String.init))
                }
                stored = true
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        var response = try Self.json(["id": id])
        // 202: queued, but no coordinator picked it up yet (it runs when one does).
        response.status = stored ? .created : .accepted
        response.headers[.location] = "/api/runs/\(id)"
        return response
    }

    private func cancel(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try access.check(request)
        let id = try Self.runID(context)
        guard let count = try await queue.cancelRunOrRequest(id, reason: "canceled from qrew-web", callLimit: 20) else { throw Self.unknownRun(id) }
        let state = try await queue.runFields(id)?["state"] ?? "unknown"
        return try Self.json(CancelResult(id: id, canceled: count, state: state))
    }

    private func retry(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try access.check(request)
        let id = try Self.runID(context)
        let fresh = request.uri.queryParameters["fresh"].map { $0 == "true" || $0 == "1" } ?? false
        switch try await queue.retryRunOrRequest(id, fresh: fresh, callLimit: 20) {
        case .unknownRun: throw Self.unknownRun(id)
        case .notFinished(let state): throw APIError.conflict("run \(id) is still \(state); wait for it to finish or cancel it first")
        case .hasDynamicFanOut(let state):
            throw APIError.conflict("run \(id) (\(state)) has an expanded dynamic fan-out, which fresh would expand again; retry without fresh")
        case .nothingToRetry: return try Self.json(RetryResult(id: id, tasks: 0, state: "succeeded"))
        case .unfinished(let state): return try Self.json(RetryResult(id: id, tasks: nil, state: state))
        case .retried(let count, _): return try Self.json(RetryResult(id: id, tasks: count, state: "retrying"))
        }
    }

    private func requeue(_ request: Request, _ context: BasicRequestContext) async throws -> Response {
        try access.check(request)
        let id = Self.decoded(context.parameters.get("id") ?? "")
        switch try await queue.requeueDeadLetter(id: id, callLimit: 20) {
        case .unknownDeadLetter: throw APIError.notFound("no dead letter '\(id)' (requeued, purged, or trimmed off the list)")
        case .runGone(let run): throw APIError(status: .gone, message: "run '\(run)' of dead letter \(id) no longer exists; submit the workflow again")
        case .runHasDynamicFanOut(let run, _):
            throw APIError.conflict("run \(run) has an expanded dynamic fan-out, whose tasks are not requeued one by one; retry the run instead")
        case .runNotFinished(let run, let state): throw APIError.conflict("run \(run) is still \(state); requeue after it finishes")
        case .alreadySucceeded(let run): return try Self.json(RequeueResult(id: id, run: run, tasks: 0, state: "succeeded"))
        case .unfinished(let run, let state): return try Self.json(RequeueResult(id: id, run: run, tasks: nil, state: state))
        case .requeued(let run, let count, _): return try Self.json(RequeueResult(id: id, run: run, tasks: count, state: "retrying"))
        }
    }

    // MARK: helpers

    private static func runID(_ context: BasicRequestContext) throws(APIError) -> String {
        let id = decoded(context.parameters.get("id") ?? "")
        guard RunID.isValid(id) else { throw unknownRun(id) }
        return id
    }

    private static func unknownRun(_ id: String) -> APIError {
        .notFound("no run '\(id)' (unknown, or expired after its retention)")
    }

    private static func decoded(_ text: String) -> String { text.removingPercentEncoding ?? text }

    private static func integer(_ value: Substring?, name: String, default fallback: Int, range: ClosedRange<Int>) throws(APIError) -> Int {
        guard let value else { return fallback }
        guard let number = Int(value), range.contains(number) else {
            throw .badRequest("\(name): '\(value)' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A task's `dependents` (a JSON array of ids), read with QrewCore's JSON reader: a
    /// 10,000-task plan decodes 10,000 of them.
    private static func stringArray(_ json: String?) -> [String] {
        guard let json, case .array(let values)? = try? JSONReader.parse(json) else { return [] }
        return values.compactMap { if case .string(let text) = $0 { text } else { nil } }
    }

    /// Compact JSON (a 10,000-task status document is megabytes; whitespace would add a third).
    static func json<T: Encodable>(_ value: T) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return jsonResponse(try encoder.encode(value))
    }

    static func jsonResponse(_ data: Data) -> Response {
        Response(
            status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// `GET /api/runs`: a page of runs and the cursor of the next one.
struct RunListPage: Encodable {
    let runs: [RunListEntry]
    let nextCursor: String?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runs, forKey: .runs)
        try container.encode(nextCursor, forKey: .nextCursor)
    }

    private enum CodingKeys: String, CodingKey { case runs, nextCursor }
}

/// `POST /api/runs/{id}/cancel`: tasks canceled by this call and the run's state after it.
struct CancelResult: Encodable {
    let id: String
    let canceled: Int
    let state: String
}

/// `POST /api/runs/{id}/retry`: tasks that run again (null while the coordinator finishes resetting).
struct RetryResult: Encodable {
    let id: String
    let tasks: Int?
    let state: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(state, forKey: .state)
    }

    private enum CodingKeys: String, CodingKey { case id, tasks, state }
}

/// `POST /api/dlq/{id}/requeue`: the run and how many of its tasks run again.
struct RequeueResult: Encodable {
    let id: String
    let run: String
    let tasks: Int?
    let state: String

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(run, forKey: .run)
        try container.encode(tasks, forKey: .tasks)
        try container.encode(state, forKey: .state)
    }

    private enum CodingKeys: String, CodingKey { case id, run, tasks, state }
}
