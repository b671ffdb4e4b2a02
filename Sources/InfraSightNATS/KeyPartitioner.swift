/// Picks the partition of a message from its key, so that every message with the same key (one process's
/// events, key "<host>/<pid>") lands on the same subject `<topic>.<n>` and so stays in order, as on Kafka.
///
/// The hash is librdkafka's default partitioner (`consistent_random`: CRC-32, the zlib/IEEE polynomial, of the
/// key, modulo the partition count), so with the same partition count a key lands on the same partition number
/// on both buses. One difference, chosen on purpose: librdkafka sends a key-less message to a random partition;
/// here it goes to partition 0, so the choice is stable.
public struct KeyPartitioner: Sendable, Equatable {
    /// Partitions per topic (>= 1).
    public let partitions: Int

    public init(partitions: Int) throws {
        guard partitions >= 1, partitions <= 1 << 20 else {
            throw NATSError.configuration("partitions must be between 1 and \(1 << 20), got \(partitions)")
        }
        self.partitions = partitions
    }

    /// The partition of `key` (nil or empty: 0).
    public func partition(of key: UnsafeRawBufferPointer?) -> Int {
        guard let key, !key.isEmpty else { return 0 }
        return Int(Self.crc32(key) % UInt32(partitions))
    }

    public func partition(of key: [UInt8]?) -> Int {
        guard let key else { return 0 }
        return key.withUnsafeBytes { partition(of: $0) }
    }

    /// The subject a message with `key` is published to: `<topic>.<partition>`, e.g. `infrasight.raw.exec.3`.
    public func subject(topic: String, key: UnsafeRawBufferPointer?) -> String { "\(topic).\(partition(of: key))" }

    public func subject(topic: String, key: [UInt8]?) -> String { "\(topic).\(partition(of: key))" }

    /// CRC-32 (IEEE 802.3, reflected 0xEDB88320, initial and final XOR 0xFFFFFFFF): zlib's crc32 and librdkafka's rd_crc32.
    public static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
