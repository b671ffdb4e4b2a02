import Foundation
import InfraSightKafka

/// Runs one flush's inserts on a thread of its own, so the sink's loop goes on consuming and building
/// the next batches while ClickHouse stores these (the insert used to stop consumption for its whole
/// round trip).
///
/// Invariant: at most one flush is in flight, and its offsets are committed by the loop only after
/// `finished()` returned it stored and its dead letters were acknowledged. A flush carries the offsets
/// consumed up to its hand-off, which cover exactly its rows (every earlier message is in it or was
/// dead-lettered), so memory is bounded by two sets of batches and nothing is committed unstored.
final class InsertThread: @unchecked Sendable {
    /// One flush: the batches to insert and the offsets to commit once they are stored.
    struct Flush {
        var batches: [RowBatch]
        let offsets: [TopicPartition: Int64]
    }

    /// What became of a flush.
    struct Outcome {
        /// The batches, inserted (or not, when `stored` is false), for reuse.
        let flush: Flush
        /// False when shutdown cut an insert's retries short: nothing may be committed after it.
        let stored: Bool
        let rejected: [BatchInserter.RejectedRow]
    }

    private let inserter: BatchInserter
    private let condition = NSCondition()
    private var job: Flush?
    private var outcome: Outcome?
    private var closed = false
    private var thread: Thread?

    init(inserter: BatchInserter) {
        self.inserter = inserter
    }

    /// Starts the thread (once).
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "infrasight-sink-insert"
        thread.start()
        self.thread = thread
    }

    /// Whether a flush was handed over and not yet taken back with `finished()`/`wait()`.
    var isBusy: Bool {
        condition.lock(); defer { condition.unlock() }
        return job != nil || outcome != nil
    }

    /// Hands a flush over; the caller must have taken back the previous one.
    func submit(_ flush: Flush) {
        condition.lock()
        precondition(job == nil && outcome == nil, "one flush in flight at a time")
        job = flush
        condition.signal()
        condition.unlock()
    }

    /// The finished flush, if there is one (does not wait).
    func finished() -> Outcome? {
        condition.lock(); defer { condition.unlock() }
        let done = outcome
        outcome = nil
        return done
    }

    /// Waits for the flush in flight, polling `idle` about every 50 ms while it waits (the producer's
    /// delivery reports); nil when none is in flight.
    func wait(idle: () -> Void) -> Outcome? {
        while true {
            condition.lock()
            if let done = outcome {
                outcome = nil
                condition.unlock()
                return done
            }
            if job == nil {
                condition.unlock()
                return nil
            }
            _ = condition.wait(until: Date().addingTimeInterval(0.05))
            condition.unlock()
            idle()
        }
    }

    /// Ends the thread after the flush in flight (take its outcome first).
    func close() {
        condition.lock()
        closed = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while job == nil && !closed { condition.wait() }
            guard let flush = job else {
                condition.unlock()
                return
            }
            condition.unlock()

            var rejected: [BatchInserter.RejectedRow] = []
            var stored = true
            for batch in flush.batches where stored {
                stored = inserter.insert(batch, rejected: &rejected)
            }

            condition.lock()
            job = nil
            outcome = Outcome(flush: flush, stored: stored, rejected: rejected)
            condition.broadcast()
            condition.unlock()
        }
    }
}
