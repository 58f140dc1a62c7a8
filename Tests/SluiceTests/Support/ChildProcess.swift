#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Synchronization

/// A program the tests start (PostgreSQL, `psql`, `fake-gcs-server`, `sluice serve`), spawned with
/// `posix_spawn` rather than Foundation's `Process`: on Linux, `Process.run()` scans `/proc/self/fd`
/// copying each directory entry's whole 256-byte `d_name`, which reads past the end of `readdir`'s
/// buffer; with the many descriptors a test process holds, that read once crossed into an unmapped
/// page and killed the whole suite with SIGSEGV (in `__memcpy_avx512_unaligned_erms` under
/// `Process.run`). Here the child gets `/dev/null` as input, the output file given (appended to) or
/// `/dev/null`, no other descriptor of ours, default signal handling, and the working folder given.
/// Its exit is collected by a thread of its own blocked in `waitpid`, so no task waits on a thread.
final class ChildProcess: Sendable {
    /// The child could not be started.
    struct SpawnError: Error, CustomStringConvertible {
        let description: String
    }

    /// The child's process id.
    let pid: Int32
    private let state = Mutex(State())

    private struct State {
        var status: Int32?
        var waiters: [CheckedContinuation<Int32, Never>] = []
    }

    private init(pid: Int32) {
        self.pid = pid
    }

    /// Starts `arguments[0]` (an absolute path) with the rest as its arguments. `environment` nil
    /// inherits ours; otherwise it is the child's whole environment. `output` is a file both standard
    /// output and standard error are appended to (created when missing).
    static func spawn(
        _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil, output: String? = nil
    ) throws -> ChildProcess {
        guard let executable = arguments.first, executable.hasPrefix("/") else {
            throw SpawnError(description: "not an absolute path to a program: \(arguments.first ?? "(none)")")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        try GNUSpawnActions.closeFrom(3, &actions)
        if let directory { try GNUSpawnActions.changeDirectory(directory, &actions) }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var every = sigset_t()
        sigfillset(&every)
        posix_spawnattr_setsigdefault(&attributes, &every)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = arguments.map { strdup($0) }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } }
        defer {
            argv.forEach { free($0) }
            envp?.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = (argv + [nil]).withUnsafeBufferPointer { argvBuffer in
            let argvPointer = UnsafeMutablePointer(mutating: argvBuffer.baseAddress!)
            guard let envp else { return posix_spawn(&pid, executable, &actions, &attributes, argvPointer, environ) }
            return (envp + [nil]).withUnsafeBufferPointer { envBuffer in
                posix_spawn(&pid, executable, &actions, &attributes, argvPointer, UnsafeMutablePointer(mutating: envBuffer.baseAddress!))
            }
        }
        guard spawned == 0 else {
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        let child = ChildProcess(pid: pid)
        Thread.detachNewThread { child.reap() }
        return child
    }

    /// Whether the child has not exited yet.
    var isRunning: Bool { state.withLock { $0.status == nil } }

    /// The exit code, or the number of the signal that ended it; nil while it runs.
    var exitStatus: Int32? { state.withLock { $0.status } }

    /// Sends `signal` (SIGTERM when not given) unless the child has exited.
    func signal(_ signal: Int32 = SIGTERM) {
        state.withLock { state in
            // Under the lock, so the id cannot have been reaped and reused by another process.
            if state.status == nil { _ = kill(pid, signal) }
        }
    }

    /// Returns once the child has exited: its exit code, or the signal that ended it.
    @discardableResult
    func waitForExit() async -> Int32 {
        await withCheckedContinuation { continuation in
            let status = state.withLock { state -> Int32? in
                if state.status == nil { state.waiters.append(continuation) }
                return state.status
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// On the reaping thread: waits for the child, records how it ended, wakes the waiters.
    private func reap() {
        // Wait without reaping, then reap under the lock: `signal` never sees a reaped, reusable id.
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0, errno == EINTR {}
        let waiters = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
            let signalled = raw & 0x7f
            state.status = signalled == 0 ? (raw >> 8) & 0xff : signalled
            defer { state.waiters = [] }
            return state.waiters
        }
        let status = state.withLock { $0.status ?? -1 }
        for waiter in waiters { waiter.resume(returning: status) }
    }
}

/// glibc's `posix_spawn` file actions that Swift's Glibc module does not declare (they need
/// `_GNU_SOURCE`), looked up by name: both are in glibc since 2.34 (Debian 12 has 2.36).
private enum GNUSpawnActions {
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    static func changeDirectory(_ path: String, _ actions: inout posix_spawn_file_actions_t) throws {
        let function = unsafeBitCast(try symbol("posix_spawn_file_actions_addchdir_np"), to: ChangeDirectory.self)
        guard function(&actions, path) == 0 else { throw ChildProcess.SpawnError(description: "cannot change the child's folder to \(path)") }
    }

    static func closeFrom(_ descriptor: Int32, _ actions: inout posix_spawn_file_actions_t) throws {
        let function = unsafeBitCast(try symbol("posix_spawn_file_actions_addclosefrom_np"), to: CloseFrom.self)
        guard function(&actions, descriptor) == 0 else { throw ChildProcess.SpawnError(description: "cannot close the child's descriptors") }
    }

    private static func symbol(_ name: String) throws -> UnsafeMutableRawPointer {
        guard let address = dlsym(dlopen(nil, RTLD_NOW), name) else {
            throw ChildProcess.SpawnError(description: "\(name) is missing: the tests need glibc 2.34 or later (Debian 12)")
        }
        return address
    }
}
