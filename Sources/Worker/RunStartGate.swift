/// Lets one request at a time per pipeline through the checks before a run is created (is one
/// active? what would it cost?), in arrival order. Without it, a burst of `run` commands on an idle
/// pipeline all pass the "already running" check together and each pays for a cost estimate before
/// all but one are refused; with it, the first creates the run and the rest are told "already
/// running" at once. (The state store's one-active-run rule still decides; this only orders the way to it.)
actor RunStartGate {
    private var busy: Set<String> = []
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    /// Runs `body` once no other request for `pipeline` is between its checks and its run's creation.
    nonisolated func inTurn<T: Sendable>(for pipeline: String, _ body: () async throws -> T) async throws -> T {
        await enter(pipeline)
        do {
            let result = try await body()
            await leave(pipeline)
            return result
        } catch {
            await leave(pipeline)
            throw error
        }
    }

    private func enter(_ pipeline: String) async {
        guard busy.contains(pipeline) else {
            busy.insert(pipeline)
            return
        }
        await withCheckedContinuation { waiting[pipeline, default: []].append($0) }
    }

    private func leave(_ pipeline: String) {
        guard var queue = waiting[pipeline], !queue.isEmpty else {
            busy.remove(pipeline)
            waiting[pipeline] = nil
            return
        }
        // The turn passes straight to the next in line: `busy` stays set for it.
        let next = queue.removeFirst()
        waiting[pipeline] = queue.isEmpty ? nil : queue
        next.resume()
    }
}
