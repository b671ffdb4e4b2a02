/// A consumed record read in place, valid only inside the closure it is passed to
/// (`KafkaConsumer.poll(timeoutMs:_:)`).
///
/// Why: a stage that turns each record into something else at once (the sink writes a RowBinary row,
/// enrich produces the enriched message) needs no copy of it; `KafkaMessage` copies the key and the
/// value into arrays for callers that keep the record.
public struct KafkaRecordView {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    /// Empty for tombstones (null values). Borrowed from librdkafka: copy what must outlive the closure.
    public let value: UnsafeRawBufferPointer
    /// nil when the record has no key. Borrowed like `value`.
    public let key: UnsafeRawBufferPointer?

    public init(topic: String, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer,
                key: UnsafeRawBufferPointer? = nil) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.value = value
        self.key = key
    }
}
