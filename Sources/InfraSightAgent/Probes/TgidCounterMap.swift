import CLibbpf
import Foundation

/// A kernel hash map of tgid → u64 count that a probe object fills per process (`lost_tgids`:
/// records lost to a full ring buffer, `throttled_tgids`: records dropped by the rate limit).
/// User space reads it and forgets the entries of dead processes so the map never fills.
/// Not synchronised: `BPFProbe` calls it under its lock.
struct TgidCounterMap {
    /// The map's fd, or -1 when the object has no such map.
    let fd: Int32

    var exists: Bool { fd >= 0 }

    /// The count of `tgid` (0 when none).
    func value(_ tgid: UInt32) -> UInt64 {
        guard fd >= 0 else { return 0 }
        var key = tgid
        var value: UInt64 = 0
        return bpf_map_lookup_elem(fd, &key, &value) == 0 ? value : 0
    }

    /// Every process with a count.
    func all() -> [UInt32: UInt64] {
        guard fd >= 0 else { return [:] }
        var out: [UInt32: UInt64] = [:]
        var key: UInt32 = 0
        var next: UInt32 = 0
        var first = true
        while true {
            let rc = first ? bpf_map_get_next_key(fd, nil, &next) : bpf_map_get_next_key(fd, &key, &next)
            guard rc == 0 else { break }
            first = false
            key = next
            var value: UInt64 = 0
            if bpf_map_lookup_elem(fd, &key, &value) == 0 { out[key] = value }
        }
        return out
    }

    /// Deletes the entries of `tgids`.
    func forget(_ tgids: [UInt32]) {
        guard fd >= 0 else { return }
        for t in tgids { var key = t; _ = bpf_map_delete_elem(fd, &key) }
    }
}
