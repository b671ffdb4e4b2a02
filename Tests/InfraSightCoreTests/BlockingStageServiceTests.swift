import Foundation
import InfraSightCore
import Logging
import ServiceLifecycle
import XCTest

/// `BlockingStageService` ends its loop on graceful shutdown and on cancellation, and gives up on a loop
/// that does not return (stuck in a blocking call) instead of hanging the process.
final class BlockingStageServiceTests: XCTestCase {
    /// A loop that returns when asked, or one that ignores the flag for `stuckSeconds`.
    final class Loop: BlockingStage, @unchecked Sendable {
        let name = "test-loop"
        let stuckSeconds: Double
        private let lock = NSLock()
        private var returned = false
        init(stuckSeconds: Double = 0) { self.stuckSeconds = stuckSeconds }
        var hasReturned: Bool { lock.lock(); defer { lock.unlock() }; return returned }
        func runLoop(stop: StopFlag) throws {
            defer { lock.lock(); returned = true; lock.unlock() }
            if stuckSeconds > 0 { Thread.sleep(forTimeInterval: stuckSeconds); return }
            while !stop.isSet { usleep(5_000) }
        }
    }

    func testCancellationStopsALoopThatHonoursTheFlag() async throws {
        let loop = Loop()
        let task = Task { try await BlockingStageService(stage: loop, logger: Logger(label: "t")).run() }
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertFalse(loop.hasReturned)
        let started = Date()
        task.cancel()
        try await task.value
        XCTAssertTrue(loop.hasReturned)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }

    func testACancelledLoopThatDoesNotReturnIsAbandonedByItsDeadline() async throws {
        let loop = Loop(stuckSeconds: 20)
        let service = BlockingStageService(stage: loop, logger: Logger(label: "t"), abandonAfter: .milliseconds(500))
        let task = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(200))
        let started = Date()
        task.cancel()
        do {
            try await task.value
            XCTFail("a loop that never returned cannot end the service without an error")
        } catch let error as BlockingStageAbandoned {
            XCTAssertEqual(error.stage, "test-loop")
        }
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 0.45)
        XCTAssertLessThan(waited, 3)
        XCTAssertFalse(loop.hasReturned, "the loop itself is still stuck: it was left behind, not waited for")
    }

    /// The production wiring: a group with a shutdown deadline cancels a drain that takes too long,
    /// and the stuck loop is then abandoned, so `run()` ends.
    func testAGroupsShutdownDeadlineEndsAStuckStage() async throws {
        let loop = Loop(stuckSeconds: 20)
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: BlockingStageService(stage: loop, logger: Logger(label: "t"), abandonAfter: .milliseconds(300)))],
            logger: Logger(label: "t"))
        configuration.maximumGracefulShutdownDuration = .milliseconds(500)
        let group = ServiceGroup(configuration: configuration)
        let run = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(200))
        let started = Date()
        await group.triggerGracefulShutdown()
        _ = try? await run.value
        let waited = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(waited, 0.7, "the drain had its deadline, then the cancellation its own")
        XCTAssertLessThan(waited, 4)
        XCTAssertFalse(loop.hasReturned)
    }
}
