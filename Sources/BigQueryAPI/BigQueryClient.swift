import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// BigQuery's REST API v2: datasets, tables, query and load jobs, with authentication, deadlines,
/// retries and job polling. Every job gets a client-made id (`sluice_<prefix>_<uuid>`) so that a
/// retried `jobs.insert` can never run a job twice.
public struct BigQueryClient: Sendable {
    /// The project jobs run in and unqualified datasets belong to.
    public let project: String
    /// The location (`US`, `EU`, `europe-west1`, …) datasets are created and jobs run in.
    public let location: String
    /// The base URL, e.g. `https://bigquery.googleapis.com`.
    public let endpoint: String
    let retry: RetryPolicy
    let uploads: UploadOptions
    let logger: Logger
    let transport: BigQueryTransport
    let errors: ErrorContext

    /// Creates a client for `project` in `location`, talking to `endpoint` with tokens from `tokens`.
    public init(
        project: String,
        location: String,
        endpoint: String,
        tokens: any AccessTokenProvider,
        httpClient: HTTPClient = BigQueryClient.sharedHTTPClient,
        retry: RetryPolicy = .default,
        uploads: UploadOptions = .default,
        logger: Logger
    ) {
        self.project = project
        self.location = location
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        self.retry = retry
        self.uploads = uploads
        self.logger = logger
        errors = ErrorContext(project: project, location: location)
        transport = BigQueryTransport(httpClient: httpClient, tokens: tokens, retry: retry, logger: logger, context: errors)
    }

    /// The base URL from the environment: `BIGQUERY_API_ENDPOINT`, else `BIGQUERY_EMULATOR_HOST`
    /// (`host:port` → `http://host:port`), else `https://bigquery.googleapis.com`.
    public static func endpoint(environment: [String: String]) -> String {
        if let endpoint = environment["BIGQUERY_API_ENDPOINT"]?.trimmingCharacters(in: .whitespaces), !endpoint.isEmpty {
            return endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
        }
        if let host = environment["BIGQUERY_EMULATOR_HOST"]?.trimmingCharacters(in: .whitespaces), !host.isEmpty {
            let base = host.contains("://") ? host : "http://\(host)"
            return base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        return "https://bigquery.googleapis.com"
    }

    /// Creates dataset `datasetID` in the client's location (`datasets.insert`); an existing
    /// dataset is fine.
    public func ensureDataset(_ datasetID: String) async throws {
        let body: JSON = .object([
            "datasetReference": .object(["projectId": .string(project), "datasetId": .string(datasetID)]),
            "location": .string(location),
        ])
        let reply = try await transport.call(
            jsonExchange(.POST, api(["projects", project, "datasets"]), body: body), passThrough: [409]
        )
        if reply.status == 409 {
            logger.debug("BigQuery dataset exists", metadata: ["dataset": "\(datasetID)"])
        }
    }

    /// What `tables.get` says about a table, or nil when it does not exist.
    public func table(dataset: String, table: String) async throws -> TableMetadata? {
        let reply = try await transport.call(
            HTTPExchange(method: .GET, url: api(["projects", project, "datasets", dataset, "tables", table])),
            passThrough: [404]
        )
        if reply.status == 404 { return nil }
        return TableMetadataDecoder.decode(reply.json, fallback: TableReference(project: project, dataset: dataset, table: table))
    }

    /// Sets a table's `expirationTime` (`tables.patch`): BigQuery deletes it then by itself.
    public func expire(dataset: String, table: String, at date: Date) async throws {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        _ = try await transport.call(
            jsonExchange(.PATCH, api(["projects", project, "datasets", dataset, "tables", table]), body: .object(["expirationTime": .string(String(milliseconds))])))
    }

    /// Deletes a table (`tables.delete`); a missing table is fine.
    public func deleteTable(dataset: String, table: String) async throws {
        _ = try await transport.call(
            HTTPExchange(method: .DELETE, url: api(["projects", project, "datasets", dataset, "tables", table])),
            passThrough: [404]
        )
    }

    /// Runs a GoogleSQL query job to completion and reads back up to `request.maxRows` rows. A job
    /// that fails for a transient reason (`backendError`, …) is re-run under a new job id.
    public func query(_ request: QueryJobRequest) async throws -> QueryJobResult {
        var attempt = 0
        let started = retry.now()
        while true {
            attempt += 1
            let jobID = Self.makeJobID(prefix: request.jobIDPrefix)
            let job = try await runJob(JobBodies.query(request, jobID: jobID, client: self, dryRun: false), jobID: jobID)
            if let failure = errors.error(job: job, jobID: jobID) {
                guard failure.isRetryable, let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.jobDeadline) else {
                    throw errors.exhausted(failure, attempts: attempt)
                }
                logger.info("BigQuery job failed, re-running", metadata: ["job": "\(jobID)", "reason": "\(failure.reason)"])
                try await retry.sleep(wait)
                continue
            }
            return try await queryResult(job: job, jobID: jobID, maxRows: request.maxRows)
        }
    }

    /// Bytes a query would process (`dryRun`), without running it or billing anything.
    public func dryRun(_ sql: String, labels: [String: String]) async throws -> Int64 {
        let jobID = Self.makeJobID(prefix: "dryrun")
        let request = QueryJobRequest(sql: sql, labels: labels)
        let reply = try await transport.call(
            jsonExchange(.POST, api(["projects", project, "jobs"]), body: JobBodies.query(request, jobID: jobID, client: self, dryRun: true)),
            jobID: jobID
        )
        let job = reply.json
        if let failure = errors.error(job: job, jobID: jobID) { throw failure }
        let statistics = job["statistics"]
        return statistics["query"]["totalBytesProcessed"].int64 ?? statistics["totalBytesProcessed"].int64 ?? 0
    }

    /// Loads newline-delimited JSON read from `body` into the request's table: one multipart request
    /// for a body under the multipart limit, else a resumable upload in chunks, streaming from
    /// `body`. Waits for the load job to finish. A small body whose job fails transiently is re-sent
    /// under a new job id; a streamed one cannot be (its bytes are gone), so that failure is thrown.
    public func load(_ request: LoadJobRequest, body: some NDJSONBodySource) async throws -> LoadJobResult {
        let head = try readAhead(body, limit: uploads.multipartLimit)
        if head.complete {
            return try await loadMultipart(request, data: head.bytes)
        }
        let jobID = Self.makeJobID(prefix: request.jobIDPrefix)
        let uploader = ResumableUploader(client: self, chunkSize: uploads.chunkSize)
        let uploaded = try await uploader.upload(
            metadata: JobBodies.load(request, jobID: jobID, client: self), jobID: jobID, head: head.bytes, rest: body
        )
        let job = try await waitForJob(uploaded.job, jobID: jobID)
        if let failure = errors.error(job: job, jobID: jobID) { throw failure }
        return loadResult(job: job, jobID: jobID, inputBytes: uploaded.totalBytes, resumable: true)
    }

    /// Cancels a running job (`jobs.cancel`); an unknown or finished job is fine.
    public func cancel(jobID: String) async throws {
        _ = try await transport.call(
            HTTPExchange(method: .POST, url: api(["projects", project, "jobs", jobID, "cancel"], query: [("location", location)])),
            jobID: jobID, passThrough: [404]
        )
    }

    /// A fresh job id `sluice_<prefix>_<uuid>`, the prefix reduced to letters, digits, `_` and `-`.
    public static func makeJobID(prefix: String) -> String {
        let cleaned = String(prefix.unicodeScalars.map { scalar -> Character in
            CharacterSet.alphanumerics.contains(scalar) && scalar.isASCII || scalar == "_" || scalar == "-" ? Character(scalar) : "_"
        }.prefix(900))
        let middle = cleaned.isEmpty ? "" : cleaned + "_"
        return "sluice_\(middle)\(UUID().uuidString.lowercased())"
    }

    /// `{endpoint}/bigquery/v2/{segments…}?{query}`.
    func api(_ segments: [String], query: [(String, String)] = []) -> String {
        BigQueryURL.make(endpoint + "/bigquery/v2", segments, query: query)
    }

    /// `{endpoint}/upload/bigquery/v2/projects/{project}/jobs?uploadType=…`.
    func uploadURL(uploadType: String) -> String {
        BigQueryURL.make(endpoint + "/upload/bigquery/v2", ["projects", project, "jobs"], query: [("uploadType", uploadType)])
    }

    /// A request with a JSON body.
    func jsonExchange(_ method: HTTPMethod, _ url: String, body: JSON) -> HTTPExchange {
        HTTPExchange(
            method: method, url: url, headers: [("Content-Type", "application/json; charset=UTF-8")],
            body: ByteBuffer(bytes: body.encoded)
        )
    }
}
