import InfraSightClickHouse

extension RowBinaryWriter {
    /// A `time`-like column from Unix nanoseconds: `DateTime` seconds on legacy servers, `DateTime64(9, 'UTC')`
    /// on modern ones (`SchemaFlavor`). One definition for every table, so event and alert times agree.
    @inline(__always)
    func time(nanos: UInt64, flavor: SchemaFlavor) {
        if flavor == .legacy {
            dateTime(epochSeconds: UInt32(truncatingIfNeeded: nanos / 1_000_000_000))
        } else {
            dateTime64(epochNanos: Int64(clamping: nanos))
        }
    }
}
