#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The test harness's own process starter (PostgreSQL, fake-gcs-server and `sluice serve` run
/// through it): the child gets only its three standard descriptors, its folder and environment, and
/// its exit code or killing signal is reported to every waiter.
@Suite("Test harness: child processes")
struct ChildProcessTests {
    private func temporaryFile() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("child-\(UUID().uuidString).log").path
    }

    @Test func aChildSeesOnlyItsStandardDescriptorsItsFolderAndItsEnvironment() async throws {
        let output = temporaryFile()
        defer { try? FileManager.default.removeItem(atPath: output) }
        // Descriptors this process holds open, which a child must not inherit.
        let held = (0..<8).map { _ in open("/dev/null", O_RDONLY) }
        defer { held.forEach { close($0) } }
        let child = try ChildProcess.spawn(
            ["/bin/sh", "-c", "ls /proc/self/fd; pwd; echo \"x=$X\"; exit 3"],
            environment: ["X": "y z", "PATH": "/usr/bin:/bin"], directory: "/usr", output: output)
        let status = await child.waitForExit()
        #expect(status == 3)
        #expect(!child.isRunning)
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
        // 3 is the folder `ls` reads.
        #expect(lines == ["0", "1", "2", "3", "/usr", "x=y z"])
    }

    @Test func aKilledChildReportsItsSignalToEveryWaiter() async throws {
        let child = try ChildProcess.spawn(["/bin/sleep", "600"])
        #expect(child.isRunning)
        async let first = child.waitForExit()
        async let second = child.waitForExit()
        child.signal(SIGKILL)
        #expect(await [first, second] == [SIGKILL, SIGKILL])
        #expect(await child.waitForExit() == SIGKILL)
        child.signal(SIGKILL)  // after the exit: does nothing
    }

    @Test func aProgramThatIsNotThereIsAnErrorNamingIt() throws {
        #expect(throws: ChildProcess.SpawnError.self) { try ChildProcess.spawn(["/no/such/program"]) }
        #expect(throws: ChildProcess.SpawnError.self) { try ChildProcess.spawn(["relative/path"]) }
    }
}
