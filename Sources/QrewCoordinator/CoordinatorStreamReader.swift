import QrewQueue

/// Reads one of the coordinators' streams (`submissions`, `events`) through their consumer
/// group, on one connection per batch. New entries come from one blocking read per call;
/// entries left unacknowledged (by this coordinator before a crash or a Redis error, or by
/// another one for `staleAfter`) are looked for when the reader starts, after every failure, and
/// once per `recoveryInterval`, so a busy loop pays one round trip per batch instead of three.
struct CoordinatorStreamReader {
    let queue: QueueClient
    let stream: String
    let consumer: String
    let count: Int
    var block: Duration = .seconds(1)
    /// How long an entry another coordinator read stays its own. Only the leader reads these
    /// streams and every script it applies them with is fenced and idempotent, so an entry
    /// pending on another consumer belongs to an ex-leader (dead, frozen, or fenced mid-batch):
    /// one leader lease is plenty, and taking it over twice changes nothing.
    var staleAfter: Duration
    var recoveryInterval: Duration = .seconds(1)

    /// Whether the last batch came from the recovery read (entries delivered before, to this
    /// or another coordinator) rather than from new entries.
    private(set) var lastBatchWasRecovered = false
    /// Entries handled since the last read (`acknowledgeWithNextRead`), not acknowledged yet.
    private var handled: [String] = []
    private var groupReady = false
    private var nextRecovery: ContinuousClock.Instant?

    init(queue: QueueClient, stream: String, consumer: String, count: Int, staleAfter: Duration) {
        self.staleAfter = staleAfter
        self.queue = queue
        self.stream = stream
        self.consumer = consumer
        self.count = count
    }

    /// The next batch: unfinished entries when a recovery check is due and finds some, else
    /// new entries (empty after `block` without any). Reads on `session`'s connection.
    mutating func next(on session: QueueSession) throws(QueueError) -> [StreamEntry] {
        if !groupReady {
            try session.ensureCoordinatorGroup(on: stream)
            groupReady = true
        }
        let now = ContinuousClock.now
        if nextRecovery.map({ now >= $0 }) ?? true {
            try acknowledgeHandled(on: session)
            let unfinished = try session.readUnfinished(stream: stream, consumer: consumer, count: count, staleAfter: staleAfter)
            lastBatchWasRecovered = !unfinished.isEmpty
            if !unfinished.isEmpty { return unfinished }
            nextRecovery = now + recoveryInterval
        }
        lastBatchWasRecovered = false
        let entries = try session.readNew(stream: stream, consumer: consumer, count: count, block: block, acknowledging: handled)
        handled = []
        return entries
    }

    /// Marks entries as handled: they are acknowledged (and deleted) in the same write as the
    /// next read, so a busy loop pays one round trip per batch, and the thread is back in its
    /// blocking read right after storing a batch. Until then they stay pending: a coordinator
    /// that dies meanwhile leaves them to the next leader, which applies them again, harmlessly
    /// (every consumer of these streams is idempotent).
    mutating func acknowledgeWithNextRead(_ ids: [String]) {
        handled += ids
    }

    private mutating func acknowledgeHandled(on session: QueueSession) throws(QueueError) {
        guard !handled.isEmpty else { return }
        try session.acknowledge(stream: stream, ids: handled)
        handled = []
    }

    /// The next batch, read in one job on a blocking connection of the queue's client.
    mutating func next() async throws(QueueError) -> [StreamEntry] {
        let (entries, advanced) = try await queue.blockingSession { [self] session throws(QueueError) in
            var reader = self
            return (try reader.next(on: session), reader)
        }
        self = advanced
        return entries
    }

    /// After a Redis failure: the group may be gone (Redis restarted without persistence) and
    /// entries read but not acknowledged must be read again (handled ones are acknowledged
    /// first, when their acknowledgment did not get through).
    mutating func reset() {
        groupReady = false
        nextRecovery = nil
    }
}
