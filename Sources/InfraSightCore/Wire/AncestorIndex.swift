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
        let slot = (i & 3) &* 4
        if i < 4 {
            storage.0[slot] = fields.0; storage.0[slot &+ 1] = fields.1
            storage.0[slot &+ 2] = fields.2; storage.0[slot &+ 3] = fields.3
        } else {
            storage.1[slot] = fields.0; storage.1[slot &+ 1] = fields.1
            storage.1[slot &+ 2] = fields.2; storage.1[slot &+ 3] = fields.3
        }
    }

    /// Element `i`'s fields (`i < min(count, capacity)`).
    @inlinable @inline(__always)
    func fields(_ i: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        let slot = (i & 3) &* 4
        let s = i < 4 ? storage.0 : storage.1
        return (s[slot], s[slot &+ 1], s[slot &+ 2], s[slot &+ 3])
    }
}
