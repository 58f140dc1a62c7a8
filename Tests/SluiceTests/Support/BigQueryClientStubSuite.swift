import BigQueryAPI
import Foundation
import Logging
import Synchronization
import Testing

/// What the BigQuery REST client suites share: a client aimed at a `BigQueryStubServer`, and the
/// reference requests of `Fixtures/bigquery` to compare the client's bodies with.
protocol BigQueryClientStubSuite {}

extension BigQueryClientStubSuite {
    /// A client of project `sluice-test` in `US`, aimed at the stub server at `base`.
    static func client(_ base: String, retry: RetryPolicy = .immediate, uploads: UploadOptions = .default,
                       tokens: any AccessTokenProvider = StaticTokenProvider(token: "test-token")) -> BigQueryClient {
        BigQueryClient(
            project: "sluice-test", location: "US", endpoint: base, tokens: tokens, retry: retry, uploads: uploads,
            logger: Logger(label: "bigquery-test")
        )
    }

    /// Dotted key paths of a JSON object (arrays are not entered).
    static func keyPaths(_ object: [String: Any], prefix: String = "") -> Set<String> {
        var paths: Set<String> = []
        for (key, value) in object {
            let path = prefix + key
            paths.insert(path)
            if let nested = value as? [String: Any], key != "labels" {
                paths.formUnion(keyPaths(nested, prefix: path + "."))
            }
        }
        return paths
    }

    static func fixture(_ name: String) throws -> [String: Any] {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures/bigquery"))
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    /// The JSON body of reference request number `index` in a fixture.
    static func fixtureBody(_ name: String, index: Int) throws -> [String: Any] {
        let requests = try #require(try fixture(name)["requests"] as? [[String: Any]])
        let request = try #require(requests[index]["request"] as? [String: Any])
        let body = try #require(request["body"] as? [String: Any])
        if let json = body["json"] as? [String: Any] { return json }
        let parts = try #require((body["multipart"] as? [String: Any])?["parts"] as? [[String: Any]])
        return try #require(parts.first?["json"] as? [String: Any])
    }
}

/// Counts events by name, for handlers that answer differently the n-th time.
final class EventCounter: Sendable {
    private let counts = Mutex<[String: Int]>([:])
    /// Increments `name` and returns its new count (1 the first time).
    func next(_ name: String) -> Int {
        counts.withLock { counts in
            counts[name, default: 0] += 1
            return counts[name, default: 0]
        }
    }
}

/// Records the delays the client asks to sleep, without sleeping: time passes only by them, so
/// the retry deadlines are met in virtual time.
final class SleepLog: Sendable {
    private let log = Mutex<[Duration]>([])
    private let start = ContinuousClock.now
    var delays: [Duration] { log.withLock { $0 } }
    /// All the time slept.
    var slept: Duration { delays.reduce(.zero, +) }
    /// A policy with the default delays and deadlines whose sleep only records.
    var policy: RetryPolicy {
        RetryPolicy(sleep: { [self] delay in record(delay) }, now: { [self] in start + slept })
    }
    private func record(_ delay: Duration) {
        log.withLock { $0.append(delay) }
    }
}
