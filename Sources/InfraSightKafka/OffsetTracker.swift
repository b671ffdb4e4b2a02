/// Tracks, per input partition, which consumed offsets have been acknowledged downstream, and so which
/// offset may be committed: the first one not yet acknowledged (everything before it is safe).
/// Acknowledgements may arrive out of order; the committable offset only moves over a contiguous prefix.
public struct OffsetTracker {
    public init() {}

    private struct PartitionState {
        var pending: [Int64] = []      // consumed, in increasing order; prefix before `head` already popped
        var head = 0
        var acked: Set<Int64> = []
        var next: Int64 = -1           // offset after the highest consumed
        /// False once the partition was forgotten (revoked) and until it is consumed again: a late
        /// acknowledgement must not mark an offset of a later assignment as done.
        var live = true

        /// Records an acknowledgement; returns how many offsets left the in-flight prefix.
        mutating func acknowledge(_ offset: Int64) -> Int {
            let before = head
            // In order (the usual case): no set traffic.
            if head < pending.count && pending[head] == offset {
                head += 1
            } else {
                acked.insert(offset)
            }
            while !acked.isEmpty, head < pending.count, acked.remove(pending[head]) != nil {
                head += 1
            }
            let advanced = head - before
            if head > 4096, head * 2 > pending.count {
                pending.removeFirst(head)
                head = 0
            }
            return advanced
        }
    }

    /// Each partition's state, at the slot `slots` gives it. Records and acknowledgements come in runs
    /// from one partition, so the last slot used is checked first: no hashing of the topic name then.
    private var states: [PartitionState] = []
    private var slots: [TopicPartition: Int] = [:]
    private var lastSlot: (tp: TopicPartition, slot: Int)?
    private var committed: [TopicPartition: Int64] = [:]
    /// Messages consumed but not yet acknowledged, over all partitions.
    public private(set) var inFlight = 0

    /// The slot of `tp`'s state, created when `create` (nil for an unknown partition otherwise).
    @inline(__always)
    private mutating func slot(of tp: TopicPartition, create: Bool) -> Int? {
        if let last = lastSlot, last.tp.partition == tp.partition, last.tp.topic == tp.topic { return last.slot }
        var found = slots[tp]
        if found == nil, create {
            found = states.count
            states.append(PartitionState())
            slots[tp] = found
        }
        if let found { lastSlot = (tp, found) }
        return found
    }

    /// Records a consumed offset (offsets per partition arrive in increasing order).
    public mutating func consumed(_ tp: TopicPartition, offset: Int64) {
        let i = slot(of: tp, create: true)!
        states[i].live = true
        // In place (through the array's element accessor): no copy of the partition's state.
        states[i].pending.append(offset)
        states[i].next = offset + 1
        inFlight += 1
    }

    public mutating func acknowledged(_ tp: TopicPartition, offset: Int64) {
        // Mutated in place: copying the state out would copy its whole pending list per message.
        guard let i = slot(of: tp, create: false), states[i].live else { return }
        inFlight -= states[i].acknowledge(offset)
    }

    /// Offsets that may be committed now and differ from what was last committed.
    public func committable() -> [TopicPartition: Int64] {
        var out: [TopicPartition: Int64] = [:]
        for (tp, i) in slots {
            let state = states[i]
            let offset = state.head < state.pending.count ? state.pending[state.head] : state.next
            if offset >= 0, committed[tp] != offset { out[tp] = offset }
        }
        return out
    }

    public mutating func markCommitted(_ offsets: [TopicPartition: Int64]) {
        for (tp, o) in offsets { committed[tp] = o }
    }

    public func inFlight(in tps: [TopicPartition]) -> Int {
        tps.reduce(0) { sum, tp in sum + (slots[tp].map { states[$0].pending.count - states[$0].head } ?? 0) }
    }

    public mutating func forget(_ tps: [TopicPartition]) {
        for tp in tps {
            if let i = slots[tp] {
                inFlight -= states[i].pending.count - states[i].head
                states[i] = PartitionState()   // the slot stays, empty; a later assignment reuses it
                states[i].live = false
            }
            committed[tp] = nil
        }
        lastSlot = nil
    }
}
