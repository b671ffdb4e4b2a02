import InfraSightCore

/// Appends values in ClickHouse's RowBinary format into a byte buffer, ready to POST with
/// `INSERT INTO t (cols) FORMAT RowBinary`.
///
/// Values are written in column order, row after row, with no separators: fixed-width numbers little-endian,
/// `String` as a LEB128 length followed by the raw bytes, `Array(T)` as a LEB128 count followed by the elements,
/// `DateTime` as UInt32 seconds, `DateTime64(p)` as Int64 ticks of 10^-p s, `Date` as UInt16 days since 1970-01-01.
/// `LowCardinality(T)` columns take plain `T` values; `Nullable(T)` takes `nullFlag` then (if not null) the value.
///
/// The bytes live in one `GrowableBytes` (the sink writes every column of every row through here):
/// copies of a writer share it, so keep one writer per batch and copy `bytes` out to keep them.
public struct RowBinaryWriter {
    let storage: GrowableBytes

    public init(reservingCapacity: Int = 0) {
        storage = GrowableBytes(capacity: reservingCapacity)
    }

    /// A copy of the bytes written so far.
    public var bytes: [UInt8] { storage.withUnsafeBytes { Array($0) } }

    /// The bytes written so far, valid only during `body` (no copy).
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try storage.withUnsafeBytes(body)
    }

    public var count: Int { storage.count }
    public var isEmpty: Bool { storage.count == 0 }
    /// Bytes the buffer holds without growing (kept across `reset()`).
    public var capacity: Int { storage.capacity }

    @inline(__always)
    private func appendLittleEndian<T: FixedWidthInteger>(_ v: T) {
        let at = storage.claim(MemoryLayout<T>.size)
        UnsafeMutableRawPointer(at).storeBytes(of: v.littleEndian, as: T.self)
        storage.count += MemoryLayout<T>.size
    }

    public func uint8(_ v: UInt8) { storage.append(byte: v) }
    public func uint16(_ v: UInt16) { appendLittleEndian(v) }
    public func uint32(_ v: UInt32) { appendLittleEndian(v) }
    public func uint64(_ v: UInt64) { appendLittleEndian(v) }
    public func int8(_ v: Int8) { storage.append(byte: UInt8(bitPattern: v)) }
    public func int16(_ v: Int16) { appendLittleEndian(v) }
    public func int32(_ v: Int32) { appendLittleEndian(v) }
    public func int64(_ v: Int64) { appendLittleEndian(v) }
    public func float32(_ v: Float) { appendLittleEndian(v.bitPattern) }
    public func float64(_ v: Double) { appendLittleEndian(v.bitPattern) }
    /// `Bool` (current servers) or `UInt8` 0/1 (18.x has no Bool type).
    public func bool(_ v: Bool) { storage.append(byte: v ? 1 : 0) }

    /// Unsigned LEB128: 7 bits per byte, low bits first, high bit set on all but the last byte.
    public func varint(_ v: UInt64) { storage.appendVarint(v) }

    /// `String`: LEB128 byte length + UTF-8 bytes.
    public func string(_ s: String) {
        var s = s
        s.withUTF8 { string(UnsafeRawBufferPointer($0)) }
    }

    /// `String` from raw bytes (a byte range of a message being read in place): LEB128 length + the bytes.
    public func string(_ raw: UnsafeRawBufferPointer) {
        varint(UInt64(raw.count))
        storage.append(raw)
    }

    /// `String` from arbitrary bytes (ClickHouse strings need not be UTF-8).
    public func string(bytes value: some Collection<UInt8>) {
        varint(UInt64(value.count))
        appendBytes(value)
    }

    /// `FixedString(n)`: exactly `n` bytes, zero-padded (longer input is cut to `n`).
    public func fixedString(bytes value: some Collection<UInt8>, length n: Int) {
        let used = min(n, value.count)
        appendBytes(value.prefix(used))
        for _ in used..<max(used, n) { storage.append(byte: 0) }
    }

    /// `Array(String)` (also `Array(LowCardinality(String))`).
    public func stringArray(_ a: [String]) {
        varint(UInt64(a.count))
        for s in a { string(s) }
    }

    /// Element count of an `Array(T)`; write the elements next.
    public func arrayCount(_ n: Int) { varint(UInt64(n)) }

    /// `Nullable(T)` marker: 1 = NULL (write no value), 0 = a value follows.
    public func nullFlag(isNull: Bool) { storage.append(byte: isNull ? 1 : 0) }

    /// `DateTime`: seconds since the Unix epoch, UInt32.
    public func dateTime(epochSeconds: UInt32) { uint32(epochSeconds) }

    /// `DateTime64(9)`: nanoseconds since the Unix epoch as Int64 ticks (other precisions: ticks of 10^-p s).
    public func dateTime64(epochNanos: Int64) { int64(epochNanos) }

    /// `Date`: days since 1970-01-01, UInt16.
    public func date(daysSinceEpoch: UInt16) { uint16(daysSinceEpoch) }

    /// Empties the buffer but keeps its capacity for the next batch.
    public func reset() { storage.count = 0 }

    private func appendBytes(_ value: some Collection<UInt8>) {
        if value.withContiguousStorageIfAvailable({ storage.append(UnsafeRawBufferPointer($0)) }) != nil { return }
        for b in value { storage.append(byte: b) }
    }
}
