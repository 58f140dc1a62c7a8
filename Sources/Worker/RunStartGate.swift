/// Lets one request at a time per pipeline through the checks before a run is created (is one
/// active? what would it cost?), in arrival order. Without it, a burst of `run` commands on an idle
/// pipeline all pass the "already running" check together and each pays for a cost estimate before
/// all but one are refused; with it, the first creates the run and the rest are told "already
/// running" at once. (The state store's one-active-run rule still decides; this only orders the way to it.)
///
/// When the cost guard refuses a request, the requests that were already waiting and ask the same
/// question (`sharingRefusal`: a plain run, whose estimate is the pipeline's) get the same refusal
/// instead of one estimate each, one after another; a request arriving later is estimated anew.
actor RunStartGate {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]
    private var nextTicket = 0
    /// Per pipeline: the last refusal, for the requests whose ticket is below `before`.
    private var refusals: [String: (before: Int, refusal: CostRefusal)] = [:]

    /// Runs `body` once no other request for `pipeline` is between its checks and its run's creation.
    nonisolated func inTurn<T: Sendable>(
        for pipeline: String, sharingRefusal: Bool, _ body: () async throws -> T
    ) async throws -> T {
        let ticket = await enter(pipeline)
        if sharingRefusal, let refusal = await refusal(for: pipeline, ticket: ticket) {
            await leave(pipeline, refusal: nil)
            throw refusal
        }
        do {
            let result = try await body()
            await leave(pipeline, refusal: nil)
            return result
        } catch let refusal as CostRefusal where sharingRefusal {
            await leave(pipeline, refusal: refusal)
            throw refusal
        } catch {
            await leave(pipeline, refusal: nil)
            throw error
        }
    }

    private func enter(_ pipeline: String) async -> Int {
        let ticket = nextTicket
        nextTicket += 1
        guard busy.contains(pipeline) else {
            busy.insert(pipeline)
            return ticket
        }
        await withCheckedContinuation { waiting[pipeline, default: []].append($0) }
        return ticket
    }

    private func refusal(for pipeline: String, ticket: Int) -> CostRefusal? {
        guard let shared = refusals[pipeline], ticket < shared.before else { return nil }
        return shared.refusal
    }

    private func leave(_ pipeline: String, refusal: CostRefusal?) {
        // A refusal answers the requests that arrived while it was being worked out.
        if let refusal { refusals[pipeline] = (nextTicket, refusal) }
        guard var queue = waiting[pipeline], !queue.isEmpty else {
            busy.remove(pipeline)
            waiting[pipeline] = nil
            refusals[pipeline] = nil
            return
        }
        // The turn passes straight to the next in line: `busy` stays set for it.
        let next = queue.removeFirst()
        waiting[pipeline] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
