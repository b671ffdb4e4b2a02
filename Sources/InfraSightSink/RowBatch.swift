import InfraSightClickHouse
import InfraSightCore
import InfraSightKafka

/// Rows for one table waiting to be inserted, with where each came from. Each source message keeps
/// its byte range in the RowBinary body and its payload, so a rejected batch can be split and the bad
/// message sent to the dead-letter queue while the good rows still land.
struct RowBatch {
    /// The rows one source message produced.
    struct Row {
        let range: Range<Int>
        let topic: String
        let partition: Int32
        let offset: Int64
        let payload: [UInt8]
    }

    let table: String
    let insertStatement: String
    var writer = RowBinaryWriter(reservingCapacity: 1 << 20)
    var rows: [Row] = []
    var openedAtNanos: UInt64 = 0

    init(table: String, insertStatement: String) {
        self.table = table
        self.insertStatement = insertStatement
    }

    init(table: EventTable, database: String = "infrasight") {
        self.init(table: table.name, insertStatement: table.insertStatement(database: database))
    }

    var isEmpty: Bool { rows.isEmpty }
    var byteCount: Int { writer.bytes.count }

    /// Appends the rows `encode` writes for one source message.
    mutating func append(from message: KafkaMessage, encode: (inout RowBinaryWriter) -> Void) {
        if rows.isEmpty { openedAtNanos = WallClock.monotonicNanos() }
        let start = writer.bytes.count
        encode(&writer)
        rows.append(Row(range: start..<writer.bytes.count, topic: message.topic, partition: message.partition,
                        offset: message.offset, payload: message.value))
    }

    mutating func append(_ event: Event, of table: EventTable, flavor: SchemaFlavor, from message: KafkaMessage) {
        append(from: message) { table.encode(event, flavor: flavor, into: &$0) }
    }

    /// The body for a contiguous slice of rows.
    func body(for slice: ArraySlice<Row>) -> [UInt8] {
        guard let first = slice.first, let last = slice.last else { return [] }
        return Array(writer.bytes[first.range.lowerBound..<last.range.upperBound])
    }

    /// `topic-partition-min-max` per source partition: the same rows rebuild the same token on retry.
    func deduplicationToken(for slice: ArraySlice<Row>) -> String {
        var ranges: [String: (Int64, Int64)] = [:]
        for row in slice {
            let key = "\(row.topic)-\(row.partition)"
            let r = ranges[key] ?? (row.offset, row.offset)
            ranges[key] = (min(r.0, row.offset), max(r.1, row.offset))
        }
        return ranges.sorted { $0.key < $1.key }.map { "\($0.key)-\($0.value.0)-\($0.value.1)" }.joined(separator: ",")
    }

    mutating func reset() {
        writer.reset()
        rows.removeAll(keepingCapacity: true)
    }
}
