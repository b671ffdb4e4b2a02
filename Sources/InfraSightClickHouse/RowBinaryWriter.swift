/// Appends values in ClickHouse's RowBinary format into a byte buffer, ready to POST with
/// `INSERT INTO t (cols) FORMAT RowBinary`.
///
/// Values are written in column order, row after row, with no separators: fixed-width numbers little-endian,
/// `String` as a LEB128 length followed by the raw bytes, `Array(T)` as a LEB128 count followed by the elements,
/// `DateTime` as UInt32 seconds, `DateTime64(p)` as Int64 ticks of 10^-p s, `Date` as UInt16 days since 1970-01-01.
/// `LowCardinality(T)` columns take plain `T` values; `Nullable(T)` takes `nullFlag` then (if not null) the value.
public struct RowBinaryWriter: Sendable {
    /// The buffer, copied on write when shared.
    ///
    /// Why not `[UInt8]`: the sink writes about fifty values per row, and `Array.append` costs a
    /// uniqueness check, a capacity check and a generic copy each time; this writes in place.
    final class Storage: @unchecked Sendable {
        let base: UnsafeMutableRawPointer
        let capacity: Int

        init(capacity: Int) {
            self.capacity = max(capacity, 64)
            base = .allocate(byteCount: self.capacity, alignment: 16)
        }

        deinit { base.deallocate() }
    }

    private var storage: Storage
    /// Bytes written so far.
    public private(set) var count = 0

    public init(reservingCapacity: Int = 0) {
        storage = Storage(capacity: reservingCapacity)
    }

    /// A copy of the bytes written so far (tests, small payloads); `withUnsafeBytes` reads them in place.
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }
    public var isEmpty: Bool { count == 0 }
    /// Bytes the buffer holds before it grows (kept across `reset`).
    public var capacity: Int { storage.capacity }

    /// Calls `body` with the bytes written so far, in place.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(UnsafeRawBufferPointer(start: storage.base, count: count)) }
    }

    /// Where the next `n` bytes go (unique, large enough storage); the caller writes them and adds to `count`.
    @inline(__always)
    private mutating func room(_ n: Int) -> UnsafeMutableRawPointer {
        if _slowPath(!isKnownUniquelyReferenced(&storage) || count &+ n > storage.capacity) { grow(n) }
        return storage.base + count
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        let needed = count + n
        let new = Storage(capacity: needed > storage.capacity ? max(storage.capacity * 2, needed) : storage.capacity)
        new.base.copyMemory(from: storage.base, byteCount: count)
        storage = new
    }

    @inline(__always)
    private mutating func appendLittleEndian<T: FixedWidthInteger>(_ v: T) {
        room(MemoryLayout<T>.size).storeBytes(of: v.littleEndian, as: T.self)
        count &+= MemoryLayout<T>.size
    }

    @inline(__always)
    private mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, raw.count > 0 else { return }
        room(raw.count).copyMemory(from: source, byteCount: raw.count)
        count &+= raw.count
    }

    public mutating func uint8(_ v: UInt8) { appendLittleEndian(v) }
    public mutating func uint16(_ v: UInt16) { appendLittleEndian(v) }
    public mutating func uint32(_ v: UInt32) { appendLittleEndian(v) }
    public mutating func uint64(_ v: UInt64) { appendLittleEndian(v) }
    public mutating func int8(_ v: Int8) { appendLittleEndian(v) }
    public mutating func int16(_ v: Int16) { appendLittleEndian(v) }
    public mutating func int32(_ v: Int32) { appendLittleEndian(v) }
    public mutating func int64(_ v: Int64) { appendLittleEndian(v) }
    public mutating func float32(_ v: Float) { appendLittleEndian(v.bitPattern) }
    public mutating func float64(_ v: Double) { appendLittleEndian(v.bitPattern) }
    /// `Bool` (current servers) or `UInt8` 0/1 (18.x has no Bool type).
    public mutating func bool(_ v: Bool) { uint8(v ? 1 : 0) }

    /// Unsigned LEB128: 7 bits per byte, low bits first, high bit set on all but the last byte.
    public mutating func varint(_ v: UInt64) {
        let p = room(10)
        var v = v
        var i = 0
        while v >= 0x80 {
            p.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: i, as: UInt8.self)
            v >>= 7
            i &+= 1
        }
        p.storeBytes(of: UInt8(v), toByteOffset: i, as: UInt8.self)
        count &+= i &+ 1
    }

    /// `String`: LEB128 byte length + UTF-8 bytes.
    public mutating func string(_ s: String) {
        var s = s
        s.withUTF8 { utf8 in string(UnsafeRawBufferPointer(utf8)) }
    }

    /// `String` from raw bytes (a byte range of a message being read in place): LEB128 length + the bytes.
    public mutating func string(_ raw: UnsafeRawBufferPointer) {
        varint(UInt64(raw.count))
        append(raw)
    }

    /// `String` from arbitrary bytes (ClickHouse strings need not be UTF-8).
    public mutating func string(bytes value: some Collection<UInt8>) {
        varint(UInt64(value.count))
        appendBytes(value)
    }

    private mutating func appendBytes(_ value: some Collection<UInt8>) {
        if value.withContiguousStorageIfAvailable({ append(UnsafeRawBufferPointer($0)) }) != nil { return }
        for b in value { uint8(b) }
    }

    /// `FixedString(n)`: exactly `n` bytes, zero-padded (longer input is cut to `n`).
    public mutating func fixedString(bytes value: some Collection<UInt8>, length n: Int) {
        let used = min(n, value.count)
        appendBytes(value.prefix(used))
        if used < n {
            room(n - used).initializeMemory(as: UInt8.self, repeating: 0, count: n - used)
            count &+= n - used
        }
    }

    /// `Array(String)` (also `Array(LowCardinality(String))`).
    public mutating func stringArray(_ a: [String]) {
        varint(UInt64(a.count))
        for s in a { string(s) }
    }

    /// Element count of an `Array(T)`; write the elements next.
    public mutating func arrayCount(_ n: Int) { varint(UInt64(n)) }

    /// `Nullable(T)` marker: 1 = NULL (write no value), 0 = a value follows.
    public mutating func nullFlag(isNull: Bool) { uint8(isNull ? 1 : 0) }

    /// `DateTime`: seconds since the Unix epoch, UInt32.
    public mutating func dateTime(epochSeconds: UInt32) { uint32(epochSeconds) }

    /// `DateTime64(9)`: nanoseconds since the Unix epoch as Int64 ticks (other precisions: ticks of 10^-p s).
    public mutating func dateTime64(epochNanos: Int64) { int64(epochNanos) }

    /// `Date`: days since 1970-01-01, UInt16.
    public mutating func date(daysSinceEpoch: UInt16) { uint16(daysSinceEpoch) }

    /// Empties the buffer but keeps its capacity for the next batch.
    public mutating func reset() { count = 0 }
}
