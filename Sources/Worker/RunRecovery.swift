import Foundation
import SluiceCore
import StateStore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Finds runs left `queued`/`running` by a Sluice process that no longer exists (killed, crashed,
/// machine restarted) and marks them `interrupted`, so they can be rerun from the failed step.
/// Runs owned by a live process (a `serve` next to a `sluice run`) are left alone.
public struct RunRecovery: Sendable {
    /// The state store.
    public let state: any StateStore
    /// The manifest (for the channel of the announcement).
    public let manifest: Manifest
    /// Time source.
    public let clock: any WallClock

    /// Creates a recovery pass.
    public init(state: any StateStore, manifest: Manifest, clock: any WallClock) {
        self.state = state
        self.manifest = manifest
        self.clock = clock
    }

    /// Distinguishes this process from an earlier one with the same pid (pid 1 in a container).
    private static let instance = UUID().uuidString

    /// The settings key holding the owner of a pipeline's active run: `"<run id> <host> <pid> <instance>"`.
    public static func ownerKey(pipeline: String) -> String { "active-run-owner.\(pipeline)" }

    /// This process's identity, as stored in the owner key.
    public static func currentOwner(runID: Int64) -> String {
        "\(runID) \(ProcessInfo.processInfo.hostName) \(ProcessInfo.processInfo.processIdentifier) \(instance)"
    }

    /// Marks orphaned active runs interrupted (their running steps failed, queued steps cancelled),
    /// posts one message per run to its pipeline's channel, and returns them.
    @discardableResult
    public func recover() async throws -> [RunRecord] {
        let now = clock.now
        let manifest = self.manifest
        return try await state.write { writer in
            var interrupted: [RunRecord] = []
            for run in try writer.runs(pipeline: nil, limit: 200) where run.state.isActive {
                let owner = try writer.setting(Self.ownerKey(pipeline: run.pipeline))
                guard Self.isOrphaned(runID: run.id, owner: owner),
                      let run = try writer.interruptRun(id: run.id, at: now) else { continue }
                let channel = manifest.channel(for: run.pipeline)
                let note = AlertMessages.threadNote(":warning: `\(run.pipeline)` run \(run.id) was interrupted (Sluice stopped mid-run). Nothing it had not committed is visible. Rerun it with `/sluice rerun \(run.id)`.")
                _ = try writer.enqueue(channel: channel, action: .post(threadOf: nil), message: note, at: now)
                interrupted.append(run)
            }
            return interrupted
        }
    }

    /// True unless the owner is a live process on this host (or another host, which we cannot see).
    static func isOrphaned(runID: Int64, owner: String?) -> Bool {
        guard let owner else { return true }
        let parts = owner.split(separator: " ")
        guard parts.count == 4, Int64(parts[0]) == runID, let pid = Int32(parts[2]) else { return true }
        guard String(parts[1]) == ProcessInfo.processInfo.hostName else { return false }
        if pid == ProcessInfo.processInfo.processIdentifier { return String(parts[3]) != instance }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}
