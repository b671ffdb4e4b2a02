/// Finds a completed sequence among one process's held events: one event per step, in event-time
/// order (ties allowed), all within the window, with equal `same` values, and including the event
/// that just arrived (any other chain would have completed earlier). Events arrive out of order
/// across topics, so the newcomer may complete a chain as its first, middle or last step.
enum SequenceMatcher {
    /// Indices into `held`, one per step, or nil.
    static func chain(in held: [HeldEvent], steps: Int, withinNs: UInt64, including newcomer: Int) -> [Int]? {
        var chosen: [Int] = []
        chosen.reserveCapacity(steps)
        func search(_ step: Int) -> Bool {
            if step == steps { return chosen.contains(newcomer) }
            let previous = chosen.last.map { held[$0] }
            let first = chosen.first.map { held[$0] }
            for (i, e) in held.enumerated() where e.step == step {
                if let previous, e.timeNs < previous.timeNs { continue }
                if let first {
                    if e.timeNs - first.timeNs > withinNs { continue }
                    if e.same != first.same { continue }
                }
                // The newcomer must be in the chain: once past its step without it, stop.
                if step == held[newcomer].step, i != newcomer { continue }
                chosen.append(i)
                if search(step + 1) { return true }
                chosen.removeLast()
            }
            return false
        }
        return search(0) ? chosen : nil
    }

    /// Indices of `count` events within one window among `held` (sorted by time), including the
    /// newcomer, or nil.
    static func threshold(in held: [HeldEvent], count: Int, withinNs: UInt64, including newcomer: Int) -> [Int]? {
        let order = held.indices.sorted { held[$0].timeNs < held[$1].timeNs }
        guard order.count >= count else { return nil }
        var start = 0
        for end in order.indices {
            while held[order[end]].timeNs - held[order[start]].timeNs > withinNs { start += 1 }
            if end - start + 1 >= count {
                let window = Array(order[(end - count + 1)...end])
                if window.contains(newcomer) { return window }
            }
        }
        return nil
    }
}
