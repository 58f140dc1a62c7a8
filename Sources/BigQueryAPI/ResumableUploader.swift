import Foundation
import NIOCore

/// Google's resumable upload protocol for a load job: `POST …?uploadType=resumable` with the job
/// metadata opens a session (its URI comes back in `Location`); the body then goes up in `PUT`s of
/// `chunkSize` bytes (a multiple of 256 KiB) with `Content-Range: bytes a-b/*`, the last one with
/// the total size. Each chunk is answered `308 Resume Incomplete` with a `Range` saying how much is
/// stored; after a failed chunk the stored size is asked for and the rest of the chunk re-sent.
/// Only one chunk (plus one read) is held in memory.
struct ResumableUploader {
    let client: BigQueryClient
    let chunkSize: Int

    /// What BigQuery has of the upload.
    enum UploadState {
        /// The upload is complete; the job resource.
        case done(JSON)
        /// Bytes `0..<n` are stored.
        case stored(Int64)
    }

    /// Uploads `head` followed by everything `rest` still produces; returns the load job and the body's size.
    func upload(metadata: JSON, jobID: String, head: [UInt8], rest: some NDJSONBodySource) async throws -> (job: JSON, totalBytes: Int64) {
        let session = try await startSession(metadata: metadata, jobID: jobID)
        var pending = head
        var offset: Int64 = 0
        var finished = false
        while true {
            while !finished, pending.count <= chunkSize {
                if let bytes = try rest.nextChunk(maxBytes: chunkSize + 1 - pending.count) {
                    pending += bytes
                } else {
                    finished = true
                }
            }
            let isLast = finished && pending.count <= chunkSize
            let count = isLast ? pending.count : chunkSize
            let end = offset + Int64(count)
            let state = try await sendChunk(
                session: session, bytes: pending[0..<count], start: offset, total: isLast ? end : nil, jobID: jobID
            )
            switch state {
            case let .done(job) where isLast:
                return (job, end)
            case .done:
                throw uploadError("BigQuery ended the upload after \(end) bytes, before the body was complete", jobID: jobID)
            case .stored where isLast:
                throw uploadError("BigQuery did not complete the upload of \(end) bytes", jobID: jobID)
            case .stored:
                pending.removeFirst(count)
                offset = end
            }
        }
    }

    /// Opens the upload session; returns its URI.
    private func startSession(metadata: JSON, jobID: String) async throws -> String {
        var exchange = client.jsonExchange(.POST, client.uploadURL(uploadType: "resumable"), body: metadata)
        exchange.headers.append(("X-Upload-Content-Type", "application/octet-stream"))
        let reply = try await client.transport.call(exchange, jobID: jobID)
        guard let location = reply.headers.first(name: "Location"), !location.isEmpty else {
            throw uploadError("BigQuery did not return an upload session (no Location header)", jobID: jobID, status: reply.status)
        }
        return location.hasPrefix("/") ? client.endpoint + location : location
    }

    /// Sends bytes `start..<start+bytes.count` (re-sending what BigQuery reports missing after a
    /// failure) until they are stored or, for the last chunk, the upload is done.
    private func sendChunk(session: String, bytes: ArraySlice<UInt8>, start: Int64, total: Int64?, jobID: String) async throws -> UploadState {
        let end = start + Int64(bytes.count)
        let retry = client.retry
        var from = start
        var failures = 0
        let started = retry.now()
        var askStatus = false
        while true {
            if askStatus {
                askStatus = false
                do {
                    switch try await status(session: session, total: total, jobID: jobID) {
                    case let .done(job): return .done(job)
                    case let .stored(stored): from = stored
                    }
                } catch let error as BigQueryError where error.isRetryable {
                    failures += 1
                    guard let wait = retry.delay(beforeRetry: failures, since: started, deadline: retry.deadline) else {
                        throw client.errors.exhausted(error, attempts: failures)
                    }
                    try await retry.sleep(wait)
                    askStatus = true
                    continue
                }
            }
            if from < start {
                throw uploadError("BigQuery lost \(start - from) bytes of the upload that it had confirmed", jobID: jobID)
            }
            if from >= end, total == nil { return .stored(end) }
            let slice = bytes[(bytes.startIndex + Int(from - start))...]
            let range = slice.isEmpty ? "bytes */\(end)" : "bytes \(from)-\(end - 1)/\(total.map(String.init) ?? "*")"
            let exchange = HTTPExchange(
                method: .PUT, url: session,
                headers: [("Content-Type", "application/octet-stream"), ("Content-Range", range)],
                body: ByteBuffer(bytes: slice)
            )
            let failure: BigQueryError
            do {
                let reply = try await client.transport.sendOnce(exchange)
                switch reply.status {
                case 200, 201:
                    return .done(reply.json)
                case 308:
                    let stored = Self.storedBytes(reply)
                    if stored >= end, total == nil { return .stored(end) }
                    if stored <= from {
                        failures += 1
                        guard let wait = retry.delay(beforeRetry: failures, since: started, deadline: retry.deadline) else {
                            throw uploadError("BigQuery kept refusing upload bytes from \(from) on", jobID: jobID, status: 308)
                        }
                        try await retry.sleep(wait)
                    }
                    from = stored
                    continue
                case 404, 410:
                    throw uploadError(
                        "The upload session expired or was not found (HTTP \(reply.status)); the load will start over on the next run",
                        jobID: jobID, status: reply.status
                    )
                default:
                    failure = client.errors.error(reply: reply, jobID: jobID)
                }
            } catch let error as BigQueryError where error.isRetryable {
                failure = error
            }
            failures += 1
            guard failure.isRetryable, let wait = retry.delay(beforeRetry: failures, since: started, deadline: retry.deadline) else {
                throw client.errors.exhausted(failure, attempts: failures)
            }
            client.logger.info("BigQuery upload chunk failed, resuming", metadata: ["job": "\(jobID)", "reason": "\(failure.reason)"])
            try await retry.sleep(wait)
            askStatus = true
        }
    }

    /// Asks how much of the upload BigQuery has (`PUT` with no body and `Content-Range: bytes */…`).
    private func status(session: String, total: Int64?, jobID: String) async throws -> UploadState {
        let exchange = HTTPExchange(
            method: .PUT, url: session, headers: [("Content-Range", "bytes */\(total.map(String.init) ?? "*")")], body: ByteBuffer()
        )
        let reply = try await client.transport.sendOnce(exchange)
        switch reply.status {
        case 200, 201: return .done(reply.json)
        case 308: return .stored(Self.storedBytes(reply))
        default: throw client.errors.error(reply: reply, jobID: jobID)
        }
    }

    /// The stored size from a 308's `Range: bytes=0-N` (N + 1), or 0 without the header.
    static func storedBytes(_ reply: HTTPReply) -> Int64 {
        guard let range = reply.headers.first(name: "Range"),
              let last = range.split(separator: "-").last,
              let lastByte = Int64(last.trimmingCharacters(in: .whitespaces))
        else { return 0 }
        return lastByte + 1
    }

    private func uploadError(_ message: String, jobID: String, status: Int? = nil) -> BigQueryError {
        BigQueryError(reason: "uploadFailed", message: message, httpStatus: status, jobID: client.errors.qualified(jobID))
    }
}
