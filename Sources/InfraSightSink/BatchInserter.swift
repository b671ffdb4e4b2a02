import Foundation
import InfraSightClickHouse
import InfraSightCore
import Logging
import Metrics

/// Inserts batches into ClickHouse: retries transport failures with backoff (until shutdown and its
/// grace period), and splits a rejected batch to isolate the rows ClickHouse refuses. It never
/// dead-letters itself: a refused row comes back as a `RejectedRow`, and the sink's loop, which owns
/// the producer, sends it to the dead-letter queue before it commits.
final class BatchInserter: @unchecked Sendable {
    /// A row ClickHouse refused, with its source message for the dead-letter queue.
    struct RejectedRow {
        let row: RowBatch.Row
        let reason: String
    }

    let client: ClickHouseClient
    let config: SinkConfig
    let counters: StageCounters
    let logger: Logger
    let stop: StopFlag
    let supportsDedupToken: Bool
    let useAsyncInsert: Bool

    init(client: ClickHouseClient, config: SinkConfig, counters: StageCounters, logger: Logger, stop: StopFlag,
         supportsDedupToken: Bool, useAsyncInsert: Bool) {
        self.client = client
        self.config = config
        self.counters = counters
        self.logger = logger
        self.stop = stop
        self.supportsDedupToken = supportsDedupToken
        self.useAsyncInsert = useAsyncInsert
    }

    /// Inserts every row of `batch`; false when shutdown cut the retries short (nothing may be committed
    /// then). Refused rows are appended to `rejected`.
    func insert(_ batch: RowBatch, rejected: inout [RejectedRow]) -> Bool {
        insert(batch.rows[...], of: batch, rejected: &rejected)
    }

    private func insert(_ rows: ArraySlice<RowBatch.Row>, of batch: RowBatch, rejected: inout [RejectedRow]) -> Bool {
        var backoff = Backoff()
        let started = Date()
        let statement = batch.insertStatement
        while true {
            var settings: [String: String] = [:]
            if supportsDedupToken { settings["insert_deduplication_token"] = batch.deduplicationToken(for: rows) }
            if useAsyncInsert { settings.merge(SinkStage.asyncInsertSettings) { $1 } }
            do {
                let insertStarted = WallClock.monotonicNanos()
                try batch.withBody(for: rows) { try client.insert(statement: statement, body: $0, settings: settings) }
                Timer(label: "infrasight_sink_insert_duration_seconds", dimensions: [("table", batch.table)])
                    .recordNanoseconds(Int64(clamping: WallClock.monotonicNanos() &- insertStarted))
                Recorder(label: "infrasight_sink_batch_rows", dimensions: [("table", batch.table)])
                    .record(rows.count)
                counters.add(.inserted, UInt64(rows.count))
                return true
            } catch let error as ClickHouseError where error.isRetryable {
                counters.add(.retried, reason: "clickhouse")
                let delay = backoff.nextDelayMs()
                logger.warning("ClickHouse insert of \(rows.count) rows into \(batch.table) failed: \(error). Retrying in \(Int(delay)) ms; consumption pauses when the next batch is full")
                if stop.isSet && Date().timeIntervalSince(started) > config.shutdownGraceSeconds {
                    logger.error("giving up at shutdown after \(Int(config.shutdownGraceSeconds)) s: offsets not committed, rows will be re-read")
                    return false
                }
                stop.sleep(ms: delay)
                if stop.isSet { backoff = Backoff(initialMs: 500, maxMs: 2000) }
            } catch {
                if rows.count == 1, let row = rows.first {
                    rejected.append(RejectedRow(row: row, reason: "ClickHouse rejected the row: \(error)"))
                    return true
                }
                logger.warning("ClickHouse rejected a batch of \(rows.count) rows (\(error)); splitting it to isolate the bad rows")
                let mid = rows.startIndex + rows.count / 2
                return insert(rows[rows.startIndex..<mid], of: batch, rejected: &rejected)
                    && insert(rows[mid..<rows.endIndex], of: batch, rejected: &rejected)
            }
        }
    }
}
