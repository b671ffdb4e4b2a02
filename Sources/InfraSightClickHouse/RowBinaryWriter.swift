/// Appends values in ClickHouse's RowBinary format into a byte buffer, ready to POST with
/// `INSERT INTO t (cols) FORMAT RowBinary`.
///
/// Values are written in column order, row after row, with no separators: fixed-width numbers little-endian,
/// `String` as a LEB128 length followed by the raw bytes, `Array(T)` as a LEB128 count followed by the elements,
/// `DateTime` as UInt32 seconds, `DateTime64(p)` as Int64 ticks of 10^-p s, `Date` as UInt16 days since 1970-01-01.
/// `LowCardinality(T)` columns take plain `T` values; `Nullable(T)` takes `nullFlag` then (if not null) the value.
public struct RowBinaryWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity: Int = 0) {
        bytes = []
        if reservingCapacity > 0 { bytes.reserveCapacity(reservingCapacity) }
    }

    public var count: Int { bytes.count }
    public var isEmpty: Bool { bytes.isEmpty }

    @inline(__always)
    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ v: T) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    public mutating func uint8(_ v: UInt8) { bytes.append(v) }
    public mutating func uint16(_ v: UInt16) { appendLittleEndian(v) }
    public mutating func uint32(_ v: UInt32) { appendLittleEndian(v) }
    public mutating func uint64(_ v: UInt64) { appendLittleEndian(v) }
    public mutating func int8(_ v: Int8) { bytes.append(UInt8(bitPattern: v)) }
    public mutating func int16(_ v: Int16) { appendLittleEndian(v) }
    public mutating func int32(_ v: Int32) { appendLittleEndian(v) }
    public mutating func int64(_ v: Int64) { appendLittleEndian(v) }
    public mutating func float32(_ v: Float) { appendLittleEndian(v.bitPattern) }
    public mutating func float64(_ v: Double) { appendLittleEndian(v.bitPattern) }
    /// `Bool` (current servers) or `UInt8` 0/1 (18.x has no Bool type).
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }

    /// Unsigned LEB128: 7 bits per byte, low bits first, high bit set on all but the last byte.
    public mutating func varint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    /// `String`: LEB128 byte length + UTF-8 bytes.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in
            varint(UInt64(utf8.count))
            bytes.append(contentsOf: utf8)
        }
    }

    /// `String` from raw bytes (a byte range of a message being read in place): LEB128 length + the bytes.
    public mutating func string(_ raw: UnsafeRawBufferPointer) {
        varint(UInt64(raw.count))
        bytes.append(contentsOf: raw)
    }

    /// `String` from arbitrary bytes (ClickHouse strings need not be UTF-8).
    public mutating func string(bytes value: some Collection<UInt8>) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// `FixedString(n)`: exactly `n` bytes, zero-padded (longer input is cut to `n`).
    public mutating func fixedString(bytes value: some Collection<UInt8>, length n: Int) {
        let used = min(n, value.count)
        bytes.append(contentsOf: value.prefix(used))
        if used < n { bytes.append(contentsOf: repeatElement(0, count: n - used)) }
    }

    /// `Array(String)` (also `Array(LowCardinality(String))`).
    public mutating func stringArray(_ a: [String]) {
        varint(UInt64(a.count))
        for s in a { string(s) }
    }

    /// Element count of an `Array(T)`; write the elements next.
    public mutating func arrayCount(_ n: Int) { varint(UInt64(n)) }

    /// `Nullable(T)` marker: 1 = NULL (write no value), 0 = a value follows.
    public mutating func nullFlag(isNull: Bool) { bytes.append(isNull ? 1 : 0) }

    /// `DateTime`: seconds since the Unix epoch, UInt32.
    public mutating func dateTime(epochSeconds: UInt32) { uint32(epochSeconds) }

    /// `DateTime64(9)`: nanoseconds since the Unix epoch as Int64 ticks (other precisions: ticks of 10^-p s).
    public mutating func dateTime64(epochNanos: Int64) { int64(epochNanos) }

    /// `Date`: days since 1970-01-01, UInt16.
    public mutating func date(daysSinceEpoch: UInt16) { uint16(daysSinceEpoch) }

    /// Empties the buffer but keeps its capacity for the next batch.
    public mutating func reset() { bytes.removeAll(keepingCapacity: true) }
}
