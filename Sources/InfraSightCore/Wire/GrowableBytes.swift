/// The growable byte storage behind the per-event writers (`ProtobufWriter`, ClickHouse's
/// `RowBinaryWriter`): a raw allocation, a count and a capacity, so appending is a bounds check and a
/// copy (an `[UInt8]` checks uniqueness and takes the generic path on every append, which cost more
/// than the encoding itself). A reference: writers that copy it share one buffer, so each is used from
/// one thread at a time.
public final class GrowableBytes {
    public private(set) var base: UnsafeMutablePointer<UInt8>
    public private(set) var capacity: Int
    public var count = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    /// Room for `n` more bytes; returns where they start (the caller advances `count`).
    @inlinable
    public func claim(_ n: Int) -> UnsafeMutablePointer<UInt8> {
        if count + n > capacity { grow(to: count + n) }
        return base + count
    }

    @inlinable
    public func append(byte: UInt8) {
        claim(1).pointee = byte
        count += 1
    }

    @inlinable
    public func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        claim(bytes.count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    /// Unsigned LEB128 (protobuf varints, RowBinary lengths): 7 bits per byte, low bits first, the high
    /// bit set on all but the last byte.
    @inlinable
    public func appendVarint(_ value: UInt64) {
        let at = claim(10)
        var v = value
        var i = 0
        while v >= 0x80 {
            at[i] = UInt8(truncatingIfNeeded: v) | 0x80
            v >>= 7
            i += 1
        }
        at[i] = UInt8(truncatingIfNeeded: v)
        count += i + 1
    }

    /// Moves the bytes from `offset` on `n` bytes later (a longer length prefix in front of a body).
    public func insertGap(of n: Int, at offset: Int) {
        guard n > 0 else { return }
        _ = claim(n)
        (base + offset + n).update(from: base + offset, count: count - offset)
        count += n
    }

    @inline(__always)
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    /// Room for at least `capacity` bytes in all.
    public func reserve(_ capacity: Int) {
        if capacity > self.capacity { grow(to: capacity) }
    }

    @usableFromInline
    func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
