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
    }

    private var partitions: [TopicPartition: PartitionState] = [:]
    private var committed: [TopicPartition: Int64] = [:]

    /// Records a consumed offset (offsets per partition arrive in increasing order).
    mutating func consumed(_ tp: TopicPartition, offset: Int64) {
        partitions[tp, default: PartitionState()].pending.append(offset)
        partitions[tp]!.next = offset + 1
    }

    mutating func acknowledged(_ tp: TopicPartition, offset: Int64) {
        guard var state = partitions[tp] else { return }
        state.acked.insert(offset)
        while state.head < state.pending.count, state.acked.remove(state.pending[state.head]) != nil {
            state.head += 1
        }
        if state.head > 4096, state.head * 2 > state.pending.count {
            state.pending.removeFirst(state.head)
            state.head = 0
        }
        partitions[tp] = state
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

    /// Messages consumed but not yet acknowledged.
    var inFlight: Int {
        partitions.values.reduce(0) { $0 + ($1.pending.count - $1.head) }
    }

    func inFlight(in tps: [TopicPartition]) -> Int {
        tps.reduce(0) { sum, tp in sum + (partitions[tp].map { $0.pending.count - $0.head } ?? 0) }
    }

    mutating func forget(_ tps: [TopicPartition]) {
        for tp in tps { partitions[tp] = nil; committed[tp] = nil }
    }
}
