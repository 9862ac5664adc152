import Foundation
import QrewCore
import QrewQueue

/// The workers array of `qctl workers --json` and `GET /api/workers` (docs/status-json.md):
/// `{name, lastSeenAt, info}` per worker, `info` being the JSON its heartbeat sent.
public enum WorkerDocument {
    /// The array as pretty JSON with sorted keys.
    public static func json(_ workers: [WorkerSnapshot]) throws -> Data {
        var array: [[String: Any]] = []
        for worker in workers {
            let info = (try? FoundationJSON.object(from: Data(worker.info.utf8))) ?? [String: Any]()
            array.append(["name": worker.name, "lastSeenAt": Timestamp.rfc3339(milliseconds: worker.lastSeen), "info": info])
        }
        return try JSONSerialization.data(withJSONObject: array, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
