import Foundation
import QrewQueue
import Testing

/// `qctl cache` on an empty namespace and with bad input (the happy path with real entries is in
/// ResultCacheClusterTests).
@Suite("qctl cache")
struct CacheCommandTests {
    @Test func anEmptyCacheListsNothingAndCountsZero() async throws {
        try await withCluster(coordinator: false) { cluster in
            let list = try await qctl("cache", "list", environment: cluster.environment)
            #expect(list.status == 0)
            #expect(list.stdout.contains("0 entries; 0 hits, 0 similar hits, 0 misses; 0 stores, 0 evictions"), "\(list.stdout)")
            #expect(list.stdout.contains("no result-cache entries in namespace 'qt'"), "\(list.stdout)")
            let json = try await qctl("cache", "list", "--json", environment: cluster.environment)
            #expect((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [Any])?.isEmpty == true, "\(json.stdout)")
            let stats = try await qctl("cache", "stats", "--json", environment: cluster.environment)
            let counters = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Int]
            #expect(counters == ["entries": 0, "hits": 0, "similarHits": 0, "misses": 0, "stores": 0, "evictions": 0])
            let purge = try await qctl("cache", "purge", "--all", environment: cluster.environment)
            #expect(purge.status == 0 && purge.stdout.contains("purged 0 result-cache entries"), "\(purge.stdout)")
        }
    }

    @Test func badRequestsExitNonZeroWithAMessage() async throws {
        try await withCluster(coordinator: false) { cluster in
            let unknown = try await qctl("cache", "show", "deadbeef", environment: cluster.environment)
            #expect(unknown.status == 1)
            #expect(unknown.stderr.contains("no result-cache entry 'deadbeef' in namespace 'qt'"), "\(unknown.stderr)")
            for arguments in [["cache", "purge"], ["cache", "purge", "abc", "--all"], ["cache", "purge", "--step", "a", "--all"]] {
                let result = try await QctlProcess(arguments, environment: cluster.environment).wait()
                #expect(result.status == 2, "\(arguments)")
                #expect(result.stderr.contains("give exactly one of KEY, --step STEP or --all"), "\(arguments): \(result.stderr)")
            }
            let limit = try await qctl("cache", "list", "--limit", "0", environment: cluster.environment)
            #expect(limit.status == 2 && limit.stderr.contains("--limit must be at least 1"))
        }
    }
}
