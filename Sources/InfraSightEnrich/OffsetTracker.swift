import InfraSightKafka

/// Tracks, per input partition, which consumed offsets have been acknowledged downstream, and so which
/// offset may be committed: the first one not yet acknowledged (everything before it is safe).
/// Acknowledgements may arrive out of order; the committable offset only moves over a contiguous prefix.
struct OffsetTracker {
    private struct PartitionState {
        var pending: [Int64] = []      // consumed, in increasing order; prefix before `head` already popped
        var head = 0
        var acked: Set<Int64> = []
        var next: Int64 = -1           // offset after the highest consumed

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

    private var partitions: [TopicPartition: PartitionState] = [:]
    private var committed: [TopicPartition: Int64] = [:]
    /// Messages consumed but not yet acknowledged, over all partitions.
    private(set) var inFlight = 0

    /// Records a consumed offset (offsets per partition arrive in increasing order).
    mutating func consumed(_ tp: TopicPartition, offset: Int64) {
        // In place (through the dictionary's modify accessor): no copy of the partition's state.
        partitions[tp, default: PartitionState()].pending.append(offset)
        partitions[tp]!.next = offset + 1
        inFlight += 1
    }

    mutating func acknowledged(_ tp: TopicPartition, offset: Int64) {
        // Mutated in place: copying the state out would copy its whole pending list per message.
        guard let advanced = partitions[tp]?.acknowledge(offset) else { return }
        inFlight -= advanced
    }

    /// Offsets that may be committed now and differ from what was last committed.
    func committable() -> [TopicPartition: Int64] {
        var out: [TopicPartition: Int64] = [:]
        for (tp, state) in partitions {
            let offset = state.head < state.pending.count ? state.pending[state.head] : state.next
            if offset >= 0, committed[tp] != offset { out[tp] = offset }
        }
        return out
    }

    mutating func markCommitted(_ offsets: [TopicPartition: Int64]) {
        for (tp, o) in offsets { committed[tp] = o }
    }

    func inFlight(in tps: [TopicPartition]) -> Int {
        tps.reduce(0) { sum, tp in sum + (partitions[tp].map { $0.pending.count - $0.head } ?? 0) }
    }

    mutating func forget(_ tps: [TopicPartition]) {
        for tp in tps {
            if let state = partitions[tp] { inFlight -= state.pending.count - state.head }
            partitions[tp] = nil
            committed[tp] = nil
        }
    }
}
