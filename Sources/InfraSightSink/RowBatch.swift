import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka

/// Rows for one table waiting to be inserted, with where each came from. Each source message keeps
/// its byte range in the RowBinary body and its topic, partition and offset, so a rejected batch can be
/// split and the bad message read back and sent to the dead-letter queue while the good rows still land.
///
/// Nothing is copied per row: the row is written straight from the consumed record (which is not kept:
/// that copy held twice the batch's own size), and a slice's body is a range of the batch's one
/// RowBinary buffer, handed to curl in place (`withBody`).
struct RowBatch {
    /// The rows one source message produced.
    struct Row {
        let range: Range<Int>
        let topic: String
        let partition: Int32
        let offset: Int64
    }

    let table: String
    let insertStatement: String
    var writer: RowBinaryWriter
    var rows: [Row] = []
    var openedAtNanos: UInt64 = 0

    /// `capacity`: the bytes a full batch takes, reserved at once (address space only: pages become
    /// resident as rows are written), so a batch never grows by copying itself into a buffer twice its
    /// size (that copy was the sink's peak memory).
    init(table: String, insertStatement: String, capacity: Int = 1 << 20) {
        self.table = table
        self.insertStatement = insertStatement
        writer = RowBinaryWriter(reservingCapacity: capacity)
    }

    init(table: EventTable, database: String = "infrasight", capacity: Int = 1 << 20) {
        self.init(table: table.name, insertStatement: table.insertStatement(database: database), capacity: capacity)
    }

    var isEmpty: Bool { rows.isEmpty }
    var byteCount: Int { writer.count }

    /// Appends the rows `encode` writes for the source message at `offset` of `topic`/`partition`;
    /// returns the batch's size after it.
    @discardableResult
    mutating func append(topic: String, partition: Int32, offset: Int64,
                         encode: (inout RowBinaryWriter) -> Void) -> (rows: Int, bytes: Int) {
        if rows.isEmpty { openedAtNanos = WallClock.monotonicNanos() }
        let start = writer.count
        encode(&writer)
        rows.append(Row(range: start..<writer.count, topic: topic, partition: partition, offset: offset))
        return (rows.count, writer.count)
    }

    /// Appends one event read in place from a consumed record (the sink's per-event path).
    @discardableResult
    mutating func append(_ event: EventView, of table: EventTable, flavor: SchemaFlavor,
                         from record: KafkaRecordView) -> (rows: Int, bytes: Int) {
        append(topic: record.topic, partition: record.partition, offset: record.offset) {
            table.encode(event, flavor: flavor, into: &$0)
        }
    }

    /// Appends a decoded event (tests and tools).
    @discardableResult
    mutating func append(_ event: Event, of table: EventTable, flavor: SchemaFlavor,
                         from message: KafkaMessage) -> (rows: Int, bytes: Int) {
        append(topic: message.topic, partition: message.partition, offset: message.offset) {
            table.encode(event, flavor: flavor, into: &$0)
        }
    }

    /// Calls `body` with the RowBinary of a contiguous slice of rows, in place (no copy).
    func withBody<R>(for slice: ArraySlice<Row>, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard let first = slice.first, let last = slice.last else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        return try writer.withUnsafeBytes { all in
            try body(UnsafeRawBufferPointer(rebasing: all[first.range.lowerBound..<last.range.upperBound]))
        }
    }

    /// The body for a contiguous slice of rows, as an array (tests).
    func body(for slice: ArraySlice<Row>) -> [UInt8] {
        withBody(for: slice) { Array($0) }
    }

    /// `topic-partition-min-max` per source partition: the same rows rebuild the same token on retry.
    func deduplicationToken(for slice: ArraySlice<Row>) -> String {
        // Rows come in runs from one partition: check the partition of the previous row first.
        var ranges: [(topic: String, partition: Int32, min: Int64, max: Int64)] = []
        var last = -1
        for row in slice {
            if last < 0 || ranges[last].partition != row.partition || ranges[last].topic != row.topic {
                last = ranges.firstIndex { $0.partition == row.partition && $0.topic == row.topic } ?? -1
                if last < 0 {
                    ranges.append((row.topic, row.partition, row.offset, row.offset))
                    last = ranges.count - 1
                    continue
                }
            }
            ranges[last].min = min(ranges[last].min, row.offset)
            ranges[last].max = max(ranges[last].max, row.offset)
        }
        return ranges.map { (key: "\($0.topic)-\($0.partition)", min: $0.min, max: $0.max) }
            .sorted { $0.key < $1.key }.map { "\($0.key)-\($0.min)-\($0.max)" }.joined(separator: ",")
    }

    mutating func reset() {
        writer.reset()
        rows.removeAll(keepingCapacity: true)
    }
}
