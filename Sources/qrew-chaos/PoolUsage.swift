import QrewQueue

/// Checks, across every run, that no named pool ever had more leased tasks in flight than its
/// size (pools are shared by the whole namespace).
///
/// From each run's progress stream, a task's lease is the interval from its `task_started` to
/// the next event that ends that attempt, in stream order: `task_finished`, `task_retrying`
/// (any outcome, `lost` included: a reaped lease frees its slot even if the frozen or cut-off
/// worker still runs the process) or `task_handed_back`. A lease still open at the end of the
/// stream lasts forever. Times are the stream entry ids' milliseconds: Redis's own clock when
/// the event was written (the `ts` field comes from the calling process's clock, and a call
/// delayed by a partition is written later than its `ts`). Streams of different runs cannot be
/// ordered within one millisecond, so at the same millisecond ends count before starts: a lease
/// that starts and ends within one millisecond overlaps nothing, and a slot freed and taken
/// again within one millisecond is no violation.
struct PoolUsage: Sendable {
    /// A start that found its pool already full.
    struct Violation: Sendable, Equatable {
        let pool: String
        /// Leases of the pool in flight once this one started.
        let inFlight: Int
        let size: Int
        /// Redis time (ms) of the start.
        let milliseconds: Int
        /// `<run>/<task>` of the lease that started.
        let ref: String
        /// Refs of the pool's other leases in flight then.
        let others: [String]
    }

    private struct Lease {
        let pool: String
        let ref: String
        let start: Int
        let end: Int
    }

    let sizes: [String: Int]
    private var leases: [Lease] = []

    init(sizes: [String: Int]) {
        self.sizes = sizes
    }

    /// Adds one run's leases; `poolOf` maps a task id to its pool (nil: the task uses none).
    mutating func add(runID: String, events: [StreamEntry], poolOf: (String) -> String?) {
        var open: [String: [Int]] = [:]
        for entry in events {
            guard let task = entry.fields["task"], let pool = poolOf(task), let ms = Self.milliseconds(entry) else { continue }
            switch entry.fields["type"] {
            case "task_started":
                open[task, default: []].append(ms)
            case "task_finished", "task_retrying", "task_handed_back":
                // A task finished without a lease (skipped, canceled while waiting) ends nothing.
                guard let start = open[task]?.popLast() else { continue }
                leases.append(Lease(pool: pool, ref: "\(runID)/\(task)", start: start, end: ms))
            default:
                continue
            }
        }
        for (task, starts) in open {
            guard let pool = poolOf(task) else { continue }
            for start in starts { leases.append(Lease(pool: pool, ref: "\(runID)/\(task)", start: start, end: .max)) }
        }
    }

    /// Per pool, the most leases in flight at once, and every start that took a pool above its size.
    func check() -> (maxInFlight: [String: Int], violations: [Violation]) {
        // (time, 0 = end before 1 = start, lease index)
        var marks: [(ms: Int, kind: Int, lease: Int)] = []
        marks.reserveCapacity(leases.count * 2)
        for (index, lease) in leases.enumerated() {
            marks.append((lease.start, 1, index))
            if lease.end != .max { marks.append((lease.end, 0, index)) }
        }
        marks.sort { ($0.ms, $0.kind, $0.lease) < ($1.ms, $1.kind, $1.lease) }
        var inFlight: [String: Set<Int>] = [:]
        var endedBeforeStart: Set<Int> = []
        var maxima: [String: Int] = [:]
        var violations: [Violation] = []
        for mark in marks {
            let lease = leases[mark.lease]
            if mark.kind == 0 {
                if inFlight[lease.pool]?.remove(mark.lease) == nil { endedBeforeStart.insert(mark.lease) }
                continue
            }
            guard !endedBeforeStart.contains(mark.lease) else { continue }
            inFlight[lease.pool, default: []].insert(mark.lease)
            let count = inFlight[lease.pool]?.count ?? 0
            maxima[lease.pool] = max(maxima[lease.pool] ?? 0, count)
            if let size = sizes[lease.pool], count > size {
                let others = (inFlight[lease.pool] ?? []).subtracting([mark.lease]).map { leases[$0].ref }.sorted()
                violations.append(Violation(pool: lease.pool, inFlight: count, size: size, milliseconds: mark.ms, ref: lease.ref, others: others))
            }
        }
        return (maxima, violations)
    }

    /// The Redis time of an entry: its id's milliseconds (`<ms>-<seq>`), else its `ts` field.
    static func milliseconds(_ entry: StreamEntry) -> Int? {
        if let dash = entry.id.firstIndex(of: "-"), let ms = Int(entry.id[..<dash]) { return ms }
        return entry.fields["ts"].flatMap { Int($0) }
    }
}
