/// The fields of an event's first ancestors, recorded while the validating pass reads them, so that
/// `EventView.forEachAncestor` hands them out without parsing each element again.
///
/// Why: the sink writes two ancestor columns per row (pids, comms), and re-parsing every ancestor for
/// each of them was the costliest part of its row (about 3.4k of 18.9k instructions per event).
/// Invariant: `count` is the number of `Ancestor` elements seen, in wire order across every merged
/// occurrence of the process message (the order `ProcessView.forEachAncestor` visits); while it is at
/// most `capacity`, element i's fields are stored at i. Beyond that the index is incomplete and readers
/// fall back to the message bytes.
@usableFromInline
struct AncestorIndex: Sendable {
    /// The agent sends at most 8 ancestors (`ProcessCache.maxAncestors`).
    @usableFromInline static let capacity = 8

    @usableFromInline var count = 0
    /// pid, then `offset << 32 | length` of comm, exe and exec_id, per element (last occurrence wins).
    @usableFromInline var storage: (FieldSlots, FieldSlots) = (FieldSlots(), FieldSlots())

    @inlinable
    init() {}

    /// Whether every element is stored.
    @inlinable @inline(__always)
    var isComplete: Bool { count <= Self.capacity }

    /// Records the next element's four fields.
    @inline(__always)
    mutating func append(_ fields: (UInt64, UInt64, UInt64, UInt64)) {
        let i = count
        count &+= 1
        guard i < Self.capacity else { return }
        let k = i &* 4
        self[k] = fields.0; self[k &+ 1] = fields.1; self[k &+ 2] = fields.2; self[k &+ 3] = fields.3
    }

    /// Element `i`'s fields (`i < min(count, capacity)`).
    @inlinable @inline(__always)
    func fields(_ i: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        let k = i &* 4
        return (self[k], self[k &+ 1], self[k &+ 2], self[k &+ 3])
    }

    /// Slot `k` of the 32: elements 0-3 in `storage.0`, 4-7 in `storage.1`.
    @inlinable @inline(__always)
    subscript(k: Int) -> UInt64 {
        get { k < 16 ? storage.0[k] : storage.1[k &- 16] }
        set { if k < 16 { storage.0[k] = newValue } else { storage.1[k &- 16] = newValue } }
    }
}
