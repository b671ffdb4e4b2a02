/// A consumed record read in place, valid only inside the closure it is passed to
/// (`KafkaConsumer.poll(timeoutMs:_:)`).
///
/// Why: a stage that turns each record into something else at once (the sink writes a RowBinary row)
/// needs no copy of it; `KafkaMessage` copies the key and the value into arrays for stages that keep
/// the record (enrich re-sends it until its output is acknowledged).
public struct KafkaRecordView {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    /// Empty for tombstones (null values). Borrowed from librdkafka: copy what must outlive the closure.
    public let value: UnsafeRawBufferPointer

    public init(topic: String, partition: Int32, offset: Int64, value: UnsafeRawBufferPointer) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.value = value
    }
}
