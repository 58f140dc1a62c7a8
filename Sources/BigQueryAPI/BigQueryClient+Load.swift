import NIOCore

extension BigQueryClient {
    /// Reads from `body` until more than `limit` bytes have come or the body ends.
    func readAhead(_ body: some NDJSONBodySource, limit: Int) throws -> (bytes: [UInt8], complete: Bool) {
        var bytes: [UInt8] = []
        while bytes.count <= limit {
            guard let chunk = try body.nextChunk(maxBytes: limit + 1 - bytes.count) else { return (bytes, true) }
            bytes += chunk
        }
        return (bytes, false)
    }

    /// Loads a body held in memory with one multipart request per attempt; a job failing for a
    /// transient reason is re-sent under a new id.
    func loadMultipart(_ request: LoadJobRequest, data: [UInt8]) async throws -> LoadJobResult {
        var attempt = 0
        let started = retry.now()
        while true {
            attempt += 1
            let jobID = Self.makeJobID(prefix: request.jobIDPrefix)
            let multipart = MultipartBody(metadata: JobBodies.load(request, jobID: jobID, client: self), data: data)
            let exchange = HTTPExchange(
                method: .POST, url: uploadURL(uploadType: "multipart"),
                headers: [("Content-Type", multipart.contentType)], body: multipart.bytes
            )
            let reply = try await transport.call(exchange, jobID: jobID, passThrough: [409])
            let inserted = reply.status == 409 ? try await getExistingJob(jobID) : reply.json
            let job = try await waitForJob(inserted, jobID: jobID)
            if let failure = errors.error(job: job, jobID: jobID) {
                guard failure.isRetryable, let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.jobDeadline) else {
                    throw errors.exhausted(failure, attempts: attempt)
                }
                logger.info("BigQuery load job failed, re-sending", metadata: ["job": "\(jobID)", "reason": "\(failure.reason)"])
                try await retry.sleep(wait)
                continue
            }
            return loadResult(job: job, jobID: jobID, inputBytes: Int64(data.count), resumable: false)
        }
    }

    /// The statistics of a finished load job.
    func loadResult(job: JSON, jobID: String, inputBytes: Int64, resumable: Bool) -> LoadJobResult {
        let load = job["statistics"]["load"]
        return LoadJobResult(
            jobID: jobID,
            outputRows: load["outputRows"].int64 ?? 0,
            badRecords: load["badRecords"].int64,
            inputBytes: load["inputFileBytes"].int64 ?? inputBytes,
            resumable: resumable
        )
    }
}
