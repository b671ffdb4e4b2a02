/// SHA-1 (FIPS 180-4) in plain Swift, incremental, for name-based (version 5) UUIDs and alert ids.
///
/// Not used for security: only as the standard hash UUIDv5 is defined with, so ids can be
/// recomputed by any other tool (e.g. Python's `uuid.uuid5`). Being a value type without heap
/// storage, a hasher that has consumed a common prefix can be copied cheaply and continued for
/// each suffix.
@frozen public struct SHA1: Sendable {
    @usableFromInline var h: (UInt32, UInt32, UInt32, UInt32, UInt32) =
        (0x6745_2301, 0xEFCD_AB89, 0x98BA_DCFE, 0x1032_5476, 0xC3D2_E1F0)
    /// Bytes of the current, incomplete 64-byte block.
    @usableFromInline var block: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)
    @usableFromInline var blockFill = 0
    @usableFromInline var totalBytes: UInt64 = 0

    @inlinable public init() {}

    /// Feeds `bytes` into the hash.
    @inlinable public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        totalBytes &+= UInt64(remaining)
        while remaining > 0 {
            let take = min(64 - blockFill, remaining)
            let fill = blockFill
            withUnsafeMutableBytes(of: &block) { dest in
                (dest.baseAddress! + fill).copyMemory(from: source, byteCount: take)
            }
            blockFill += take
            source += take
            remaining -= take
            if blockFill == 64 {
                compressBlock()
                blockFill = 0
            }
        }
    }

    /// Feeds an array or other contiguous bytes.
    @inlinable public mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        let array = Array(bytes)
        array.withUnsafeBytes { update($0) }
    }

    /// Feeds the UTF-8 bytes of `string`.
    @inlinable public mutating func update(_ string: String) {
        var string = string
        string.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The 20-byte digest of everything fed so far (the hasher itself is left unchanged).
    @inlinable public func finalize() -> [UInt8] {
        var copy = self
        var tail: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
        let bitLength = totalBytes &* 8
        // 0x80, zeros up to 56 mod 64, then the 64-bit big-endian bit length.
        let padding = (55 - blockFill + 64) % 64
        withUnsafeMutableBytes(of: &tail) { raw in
            raw[0] = 0x80
            raw.storeBytes(of: bitLength.bigEndian, toByteOffset: 1 + padding, as: UInt64.self)
            copy.update(UnsafeRawBufferPointer(rebasing: raw[0..<(9 + padding)]))
        }
        return [UInt8](unsafeUninitializedCapacity: 20) { out, count in
            let words = [copy.h.0, copy.h.1, copy.h.2, copy.h.3, copy.h.4]
            for index in 0..<5 {
                let word = words[index]
                out[4 * index] = UInt8(truncatingIfNeeded: word >> 24)
                out[4 * index + 1] = UInt8(truncatingIfNeeded: word >> 16)
                out[4 * index + 2] = UInt8(truncatingIfNeeded: word >> 8)
                out[4 * index + 3] = UInt8(truncatingIfNeeded: word)
            }
            count = 20
        }
    }

    /// One-shot digest of `bytes`.
    @inlinable public static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var hasher = SHA1()
        hasher.update(bytes)
        return hasher.finalize()
    }

    /// Processes the full 64-byte `block`. Written with raw pointers and without helper calls:
    /// it also runs in unoptimised (debug/test) builds, where every call and bounds check counts.
    @inlinable mutating func compressBlock() {
        var (a, b, c, d, e) = h
        let blockCopy = block
        withUnsafeBytes(of: blockCopy) { bytes in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { buffer in
                let w = buffer.baseAddress!
                for i in 0..<16 {
                    w[i] = UInt32(bigEndian: bytes.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self))
                }
                for i in 16..<80 {
                    let x = w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]
                    w[i] = (x << 1) | (x >> 31)
                }
                var i = 0
                while i < 20 {
                    let t = ((a << 5) | (a >> 27)) &+ ((b & c) | (~b & d)) &+ e &+ 0x5A82_7999 &+ w[i]
                    e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = t
                    i += 1
                }
                while i < 40 {
                    let t = ((a << 5) | (a >> 27)) &+ (b ^ c ^ d) &+ e &+ 0x6ED9_EBA1 &+ w[i]
                    e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = t
                    i += 1
                }
                while i < 60 {
                    let t = ((a << 5) | (a >> 27)) &+ ((b & c) | (b & d) | (c & d)) &+ e &+ 0x8F1B_BCDC &+ w[i]
                    e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = t
                    i += 1
                }
                while i < 80 {
                    let t = ((a << 5) | (a >> 27)) &+ (b ^ c ^ d) &+ e &+ 0xCA62_C1D6 &+ w[i]
                    e = d; d = c; c = (b << 30) | (b >> 2); b = a; a = t
                    i += 1
                }
            }
        }
        h = (h.0 &+ a, h.1 &+ b, h.2 &+ c, h.3 &+ d, h.4 &+ e)
    }
}
