import Foundation

extension BigQueryClient {
    /// Inserts a job (`jobs.insert`, retried under the same id; `409 duplicate` means an earlier
    /// attempt got through, so that job is fetched) and waits until it is done.
    func runJob(_ body: JSON, jobID: String) async throws -> JSON {
        let reply = try await transport.call(
            jsonExchange(.POST, api(["projects", project, "jobs"]), body: body), jobID: jobID, passThrough: [409]
        )
        let job = reply.status == 409 ? try await getExistingJob(jobID) : reply.json
        return try await waitForJob(job, jobID: jobID)
    }

    /// `jobs.get` of a job `jobs.insert` said exists (`409 duplicate`): a `404` right after is
    /// BigQuery's eventual consistency, so it is retried within the call deadline.
    func getExistingJob(_ jobID: String) async throws -> JSON {
        var attempt = 0
        let started = retry.now()
        while true {
            attempt += 1
            let reply = try await transport.call(
                HTTPExchange(method: .GET, url: api(["projects", project, "jobs", jobID], query: [("location", location)])),
                jobID: jobID, passThrough: [404])
            guard reply.status == 404 else { return reply.json }
            let failure = errors.error(reply: reply, jobID: jobID)
            guard let wait = retry.delay(beforeRetry: attempt, since: started, deadline: retry.deadline) else {
                throw errors.exhausted(failure, attempts: attempt)
            }
            logger.info("BigQuery does not show a job it said exists yet; asking again", metadata: ["job": "\(jobID)"])
            try await retry.sleep(wait)
        }
    }

    /// `jobs.get`.
    func getJob(_ jobID: String) async throws -> JSON {
        try await transport.call(
            HTTPExchange(method: .GET, url: api(["projects", project, "jobs", jobID], query: [("location", location)])),
            jobID: jobID
        ).json
    }

    /// Polls `jobs.get` with growing delays until the job is `DONE`. A cancelled task cancels the
    /// job; a job running past the policy's `jobTimeout` is cancelled and reported.
    func waitForJob(_ initial: JSON, jobID: String) async throws -> JSON {
        var job = initial
        var poll = 0
        let started = ContinuousClock.now
        do {
            while job["status"]["state"].string != "DONE" {
                poll += 1
                if ContinuousClock.now - started > retry.jobTimeout {
                    await cancelQuietly(jobID)
                    throw BigQueryError(
                        reason: "timeout", message: "The job did not finish within \(retry.jobTimeout) and was cancelled",
                        jobID: errors.qualified(jobID)
                    )
                }
                try await retry.sleep(retry.pollDelay(poll: poll))
                job = try await getJob(jobID)
            }
        } catch is CancellationError {
            await cancelQuietly(jobID)
            throw CancellationError()
        }
        return job
    }

    /// Asks BigQuery to cancel a job from outside the (possibly cancelled) current task.
    func cancelQuietly(_ jobID: String) async {
        let client = self
        await Task { try? await client.cancel(jobID: jobID) }.value
    }
}
