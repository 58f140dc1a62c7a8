import Conversation
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import SluiceApp
import Synchronization
import Testing

/// The work queue: bounded, and on shutdown it finishes what it accepted and refuses the rest.
@Suite("Work queue: bounded, and drained on shutdown")
struct WorkQueueTests {
    @Test func noMoreThanTheBoundRunsAtOnceAndEveryPieceRuns() async throws {
        let work = WorkQueue(maxConcurrent: 3)
        let running = Mutex((now: 0, most: 0, done: 0))
        let runner = Task { await work.run() }
        defer { runner.cancel() }
        for _ in 0..<40 {
            work.submit {
                running.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
                for _ in 0..<20 { await Task.yield() }
                running.withLock { $0.now -= 1; $0.done += 1 }
            }
        }
        await work.idle()
        let seen = running.withLock { $0 }
        #expect(seen.done == 40)
        #expect(seen.most <= 3)
        #expect(seen.most >= 2, "pieces did run side by side")
    }

    @Test func onShutdownAcceptedWorkFinishesAndNewWorkIsRefusedWithARestartReply() async throws {
        try await FakeSlackWebAPI.run { slack in
            let harness = try SlackHarness(slack: slack)
            let work = harness.sluice.work
            let gate = FirstLoadGate()
            let finished = Mutex(false)
            var logger = Logger(label: "test")
            logger.logLevel = .warning
            let group = ServiceGroup(configuration: .init(
                services: [WorkQueueService(work: work, logger: logger, grace: .seconds(60))], gracefulShutdownSignals: [], logger: logger))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                #expect(work.submit {
                    await gate.pass()
                    finished.withLock { $0 = true }
                })
                await gate.waitForArrival()
                await group.triggerGracefulShutdown()
                // Refused as soon as the shutdown began; the route answers in its acknowledgement.
                while work.submit({}) { await Task.yield() }
                let body = SlackHarness.commandBody("status", responseURL: slack.responseURL("late"))
                let answer = try await Application(router: harness.sluice.router(surface: harness.surface)).test(.router) { client in
                    try await client.execute(
                        uri: "/slack/commands", method: .post,
                        headers: harness.signedHeaders(body, contentType: "application/x-www-form-urlencoded"),
                        body: ByteBuffer(string: body)) { ($0.status, String(buffer: $0.body)) }
                }
                #expect(answer.0 == .ok)
                #expect(answer.1.contains("Sluice is restarting; try again in a minute"), "\(answer.1)")
                #expect(!finished.withLock { $0 })
                gate.open()
                try await tasks.waitForAll()
            }
            #expect(finished.withLock { $0 }, "accepted work ran to the end before the service stopped")
        }
    }
}
