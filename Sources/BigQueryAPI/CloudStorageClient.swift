import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Cloud Storage's JSON API, the two calls a bucket source needs: `objects.list` (every page,
/// following `nextPageToken`) and `objects.get?alt=media` of one generation, streamed to a file so
/// an object never sits in memory. Authenticated like BigQuery (an `AccessTokenProvider`); 408, 429
/// and 5xx answers and failed or cut connections are retried with backoff (`RetryPolicy`); errors
/// carry the API's own `reason` and `message` and name the bucket and object.
public struct CloudStorageClient: Sendable {
    /// The base URL, e.g. `https://storage.googleapis.com`.
    public let endpoint: String
    let tokens: any AccessTokenProvider
    let httpClient: HTTPClient
    let retry: RetryPolicy
    let logger: Logger

    /// Sent on every request.
    static let userAgent = "sluice/1.0 (Cloud Storage JSON API)"
    /// Largest `objects.list` page body read (a page of 1,000 objects is well under 1 MiB).
    static let maxPageBytes = 32 * 1024 * 1024
    /// Most pages one listing follows (at 1,000 objects a page: ten million objects).
    static let maxPages = 10_000
    /// Largest error body read.
    static let maxErrorBytes = 64 * 1024

    /// Creates a client talking to `endpoint` with tokens from `tokens`.
    public init(
        endpoint: String, tokens: any AccessTokenProvider, httpClient: HTTPClient = BigQueryClient.sharedHTTPClient,
        retry: RetryPolicy = .default, logger: Logger
    ) {
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.tokens = tokens
        self.httpClient = httpClient
        self.retry = retry
        self.logger = logger
    }

    /// The base URL as Google's clients choose it: `STORAGE_EMULATOR_HOST` (a host, `host:port` →
    /// `http://host:port`, or a URL), else `https://storage.googleapis.com`.
    public static func endpoint(environment: [String: String]) -> String {
        if let host = environment["STORAGE_EMULATOR_HOST"]?.trimmingCharacters(in: .whitespaces), !host.isEmpty {
            let base = host.contains("://") ? host : "http://\(host)"
            return base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        return "https://storage.googleapis.com"
    }

    /// Where tokens come from: with `STORAGE_EMULATOR_HOST` and no credentials in the environment,
    /// none (the emulator is unauthenticated, as for Google's clients); otherwise the same choice as
    /// for BigQuery (`BigQueryCredentials`).
    public static func tokens(environment: [String: String], httpClient: HTTPClient) throws -> any AccessTokenProvider {
        let set = { (name: String) in environment[name].map { !$0.trimmingCharacters(in: .whitespaces).isEmpty } ?? false }
        if set("STORAGE_EMULATOR_HOST"), !set("GOOGLE_OAUTH_ACCESS_TOKEN"), !set("GOOGLE_APPLICATION_CREDENTIALS") {
            return NoTokenProvider()
        }
        return try BigQueryCredentials.provider(environment: environment, httpClient: httpClient)
    }

    /// Every object of `bucket` whose name starts with `prefix`, in name order, following
    /// `nextPageToken` (`pageSize` objects a page; nil: the API's default of 1,000). Throws
    /// `CloudStorageError`, also when more than `maxObjects` objects match.
    public func list(bucket: String, prefix: String, pageSize: Int? = nil, maxObjects: Int = 1_000_000) async throws -> [CloudStorageObject] {
        var objects: [CloudStorageObject] = []
        var token: String?
        let shown = "gs://\(bucket)/\(prefix)"
        let times = ISO8601DateFormatter()
        times.formatOptions = [.withInternetDateTime]
        for _ in 0..<Self.maxPages {
            var query = [("prefix", prefix), ("fields", "items(name,generation,size,updated,md5Hash),nextPageToken")]
            if let pageSize { query.append(("maxResults", String(pageSize))) }
            if let token { query.append(("pageToken", token)) }
            let url = BigQueryURL.make(endpoint + "/storage/v1", ["b", bucket, "o"], query: query)
            let page = try await json(url, doing: "list the objects under \(shown)", bucket: bucket)
            for item in page["items"].array {
                guard let name = item["name"].string, let generation = item["generation"].int64 else {
                    throw CloudStorageError(
                        reason: "invalidResponse", message: "Cloud Storage listed an object under \(shown) without a name or generation")
                }
                objects.append(CloudStorageObject(
                    bucket: bucket, name: name, generation: generation, size: item["size"].int64 ?? 0,
                    updated: item["updated"].string.flatMap { Self.date($0, formatter: times) }, md5Hash: item["md5Hash"].string))
                guard objects.count <= maxObjects else {
                    throw CloudStorageError(
                        reason: "tooManyObjects", message: "More than \(maxObjects) objects match \(shown)",
                        hint: "narrow the source's uri to a longer prefix or a {date} template")
                }
            }
            guard let next = page["nextPageToken"].string, !next.isEmpty else { return objects }
            token = next
        }
        throw CloudStorageError(
            reason: "tooManyPages", message: "Listing \(shown) did not end after \(Self.maxPages) pages",
            hint: "narrow the source's uri to a longer prefix")
    }

    /// Streams `object` (its listed generation) to the file at `path`, replacing it: at most
    /// `maxBytes` bytes from its start when given (a `Range` request, to read a header), else the
    /// whole object, checked against its listed size and MD5. A failed or cut download is retried
    /// from the start; throws `CloudStorageError` naming the object.
    public func download(_ object: CloudStorageObject, to path: String, maxBytes: Int64? = nil) async throws {
        var attempt = 0
        let started = retry.now()
        while true {
            attempt += 1
            do {
                try await downloadOnce(object, to: path, maxBytes: maxBytes)
                return
            } catch let error as CloudStorageError {
                guard error.isRetryable, let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.deadline) else {
                    throw exhausted(error, attempts: attempt)
                }
                logger.info("Cloud Storage download failed, retrying", metadata: [
                    "object": "\(object.uri)", "reason": "\(error.reason)", "attempt": "\(attempt)",
                ])
                try await retry.sleep(wait)
            }
        }
    }

    // MARK: Requests

    private func downloadOnce(_ object: CloudStorageObject, to path: String, maxBytes: Int64?) async throws {
        let url = BigQueryURL.make(
            endpoint + "/download/storage/v1", ["b", object.bucket, "o", object.name],
            query: [("alt", "media"), ("generation", String(object.generation))])
        var request = try await request(url)
        let expected = maxBytes.map { min($0, object.size) } ?? object.size
        if let maxBytes {
            guard expected > 0 else {
                try Data().write(to: URL(fileURLWithPath: path))
                return
            }
            request.headers.add(name: "Range", value: "bytes=0-\(min(maxBytes, object.size) - 1)")
        }
        let doing = "download \(object.uri) (generation \(object.generation))"
        // A slow link still gets through: the deadline allows 1 MiB/s beyond the request timeout.
        let deadline = NIODeadline.now() + TimeAmount(retry.requestTimeout) + .seconds(expected / (1 << 20))
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(request, deadline: deadline)
        } catch {
            throw transportError(error, doing: doing)
        }
        guard response.status == .ok || response.status == .partialContent else {
            let body = (try? await response.body.collect(upTo: Self.maxErrorBytes)) ?? ByteBuffer()
            throw replyError(status: Int(response.status.code), body: body, doing: doing, bucket: object.bucket, object: object.name)
        }
        // Objects stored gzip-encoded may come decompressed: their listed size and hash are the stored bytes'.
        let encodings = (response.headers["content-encoding"] + response.headers["x-goog-stored-content-encoding"]).map { $0.lowercased() }
        let transcoded = encodings.contains("gzip")
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw CloudStorageError(reason: "localWrite", message: "Could not create the temporary file \(path) to \(doing)")
        }
        defer { try? file.close() }
        var hasher = Insecure.MD5()
        var received: Int64 = 0
        do {
            for try await chunk in response.body {
                received += Int64(chunk.readableBytes)
                guard transcoded || received <= expected else {
                    throw CloudStorageError(
                        reason: "sizeMismatch", message: "Cloud Storage sent more than the \(expected) bytes listed for \(object.uri)")
                }
                chunk.withUnsafeReadableBytes { bytes in hasher.update(bufferPointer: bytes) }
                try file.write(contentsOf: chunk.withUnsafeReadableBytes { Data($0) })
            }
        } catch let error as CloudStorageError {
            throw error
        } catch {
            // The answer had begun: whatever failed (a reset, an early end), the download was cut.
            guard !(error is CancellationError), !Task.isCancelled else { throw CancellationError() }
            throw CloudStorageError(
                reason: "truncated",
                message: "Could not \(doing): the connection was cut after \(received) of \(expected) bytes (\(error))",
                hint: "check the network, or STORAGE_EMULATOR_HOST if it is set")
        }
        guard transcoded || received == expected else {
            throw CloudStorageError(
                reason: "truncated",
                message: "Could not \(doing): the download ended after \(received) of \(expected) bytes (the connection was cut)")
        }
        if maxBytes == nil, !transcoded, let md5 = object.md5Hash, Data(hasher.finalize()).base64EncodedString() != md5 {
            throw CloudStorageError(
                reason: "checksumMismatch", message: "Could not \(doing): the bytes received do not match the object's MD5 hash")
        }
    }

    /// A GET of `url` answered with JSON, retried as the policy says.
    private func json(_ url: String, doing: String, bucket: String) async throws -> JSON {
        var attempt = 0
        let started = retry.now()
        while true {
            attempt += 1
            let failure: CloudStorageError
            do {
                let response = try await httpClient.execute(try await request(url), deadline: .now() + TimeAmount(retry.requestTimeout))
                let body = try await response.body.collect(upTo: Self.maxPageBytes)
                if response.status == .ok {
                    guard let json = JSON.parse(body.readableBytesView) else {
                        throw CloudStorageError(reason: "invalidResponse", message: "Could not \(doing): Cloud Storage's answer is not JSON")
                    }
                    return json
                }
                failure = replyError(status: Int(response.status.code), body: body, doing: doing, bucket: bucket, object: nil)
            } catch let error as CloudStorageError {
                failure = error
            } catch {
                guard let mapped = transportError(error, doing: doing) as? CloudStorageError else { throw CancellationError() }
                failure = mapped
            }
            guard failure.isRetryable, let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.deadline) else {
                throw exhausted(failure, attempts: attempt)
            }
            logger.info("Cloud Storage call failed, retrying", metadata: ["reason": "\(failure.reason)", "attempt": "\(attempt)"])
            try await retry.sleep(wait)
        }
    }

    /// A GET with `User-Agent` and, when there is one, the bearer token.
    private func request(_ url: String) async throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        request.headers.add(name: "User-Agent", value: Self.userAgent)
        if let token = try await tokens.token() {
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        return request
    }

    // MARK: Errors

    /// The error in a non-2xx reply: `{"error": {"code", "message", "errors": [{"reason", "message"}]}}`,
    /// or the plain text some servers send.
    func replyError(status: Int, body: ByteBuffer, doing: String, bucket: String, object: String?) -> CloudStorageError {
        let error = JSON.parse(body.readableBytesView)?["error"] ?? .null
        let first = error["errors"].array.first ?? .null
        var reason = first["reason"].string ?? ""
        if reason.isEmpty || reason.contains(" ") { reason = Self.reason(forStatus: status) }
        var message = error["message"].string ?? first["message"].string ?? ""
        if message.isEmpty {
            let text = String(buffer: body).trimmingCharacters(in: .whitespacesAndNewlines).prefix(300)
            message = "HTTP \(status)" + (text.isEmpty ? "" : ": \(text)")
        }
        return CloudStorageError(
            reason: reason, message: "Cloud Storage could not \(doing): \(message)", httpStatus: status,
            hint: hint(status: status, bucket: bucket, object: object))
    }

    private func hint(status: Int, bucket: String, object: String?) -> String? {
        switch status {
        case 401:
            "Google did not accept the credentials: check GOOGLE_APPLICATION_CREDENTIALS or GOOGLE_OAUTH_ACCESS_TOKEN"
        case 403:
            "grant the service account roles/storage.objectViewer on bucket \(bucket)"
        case 404 where object != nil:
            "the object was deleted or replaced while Sluice read it, or bucket \(bucket) does not exist: run again"
        case 404:
            "check that bucket \(bucket) exists (the source's uri in the manifest)"
        case 429:
            "Cloud Storage is rate-limiting these requests: try again in a few minutes"
        default:
            nil
        }
    }

    private func transportError(_ error: any Error, doing: String) -> any Error {
        if error is CancellationError || Task.isCancelled { return CancellationError() }
        if let error = error as? CloudStorageError { return error }
        let hint = "check the network, or STORAGE_EMULATOR_HOST if it is set"
        if let error = error as? HTTPClientError,
           [HTTPClientError.deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout].contains(error) {
            return CloudStorageError(reason: "timeout", message: "Could not \(doing): Cloud Storage at \(endpoint) did not answer in time", hint: hint)
        }
        if let error = error as? HTTPClientError, error == .remoteConnectionClosed {
            return CloudStorageError(reason: "truncated", message: "Could not \(doing): the connection was cut (\(error))", hint: hint)
        }
        return CloudStorageError(reason: "connectionFailed", message: "Could not \(doing): Cloud Storage at \(endpoint): \(error)", hint: hint)
    }

    private func exhausted(_ error: CloudStorageError, attempts: Int) -> CloudStorageError {
        guard error.isRetryable, attempts > 1 else { return error }
        var error = error
        error.message += " (gave up after \(attempts) attempts)"
        return error
    }

    static func reason(forStatus status: Int) -> String {
        switch status {
        case 400: "invalid"
        case 401: "authError"
        case 403: "forbidden"
        case 404: "notFound"
        case 429: "rateLimitExceeded"
        case 500...599: "backendError"
        default: "http\(status)"
        }
    }

    /// An RFC 3339 time (`2026-03-01T10:00:00.123456Z`), fractions of any length; `formatter`
    /// parses whole seconds (`.withInternetDateTime`).
    static func date(_ text: String, formatter: ISO8601DateFormatter) -> Date? {
        var whole = text
        var fraction = 0.0
        if let dot = text.firstIndex(of: ".") {
            let digits = text[text.index(after: dot)...].prefix(while: \.isNumber)
            fraction = Double("0." + digits) ?? 0
            whole = String(text[..<dot]) + String(text[text.index(after: dot)...].dropFirst(digits.count))
        }
        return formatter.date(from: whole).map { $0.addingTimeInterval(fraction) }
    }
}
