/// An approximate least-recently-used map with O(1) work per operation, for lookups on the event path.
///
/// Why: an exact LRU needs a linked list or a sort under the owner's lock; this keeps two
/// generations instead. New and refreshed entries go to the young one; when it holds `capacity / 2`
/// entries and a new key arrives, it becomes the old one and the previous old one is dropped. A hit
/// in the old generation moves the entry back to the young one.
///
/// Invariant: at most `capacity` entries are held, and an entry read or written at least once per
/// `capacity / 2` insertions of new keys is never dropped. Not thread-safe: the owner locks.
public struct TwoGenerationCache<Key: Hashable, Value> {
    public let capacity: Int
    @usableFromInline var young: [Key: Value] = [:]
    @usableFromInline var old: [Key: Value] = [:]

    /// A cache of about `capacity` entries (at least 2).
    public init(capacity: Int) {
        self.capacity = max(2, capacity)
    }

    /// Entries held (both generations).
    public var count: Int { young.count + old.count }

    /// The value of `key`, moved to the young generation when it was in the old one.
    @inlinable
    public mutating func value(for key: Key) -> Value? {
        if let value = young[key] { return value }
        guard let value = old.removeValue(forKey: key) else { return nil }
        insertYoung(value, for: key)
        return value
    }

    /// Stores `value` for `key` in the young generation.
    @inlinable
    public mutating func set(_ value: Value, for key: Key) {
        old.removeValue(forKey: key)
        insertYoung(value, for: key)
    }

    /// Forgets `key`.
    @inlinable
    public mutating func remove(_ key: Key) {
        young.removeValue(forKey: key)
        old.removeValue(forKey: key)
    }

    @inlinable
    mutating func insertYoung(_ value: Value, for key: Key) {
        if young.count >= capacity / 2, young[key] == nil {
            old = young
            young = [:]
            young.reserveCapacity(capacity / 2)
        }
        young[key] = value
    }
}
