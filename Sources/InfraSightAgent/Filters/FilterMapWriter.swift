import CEventLayout
import CLibbpf
#if canImport(Glibc)
import Glibc
#endif

/// Writes `KernelFilterTables` into one loaded probe object's filter maps without detaching it.
///
/// The maps hold two generations; the kernel judges each syscall by the one `filter_generation`
/// names (at sys_enter, remembered until sys_exit). `apply` clears and fills the inactive generation,
/// writes its config, then flips `filter_generation` with one 4-byte store: every record is judged
/// entirely by the old or entirely by the new configuration, never by a mix. The previous generation
/// stays intact until the next `apply`, for syscalls still in flight.
/// Not synchronised: `BPFProbe` calls it under its lock.
struct FilterMapWriter {
    let generationFd, configFd, pidsFd, uidsFd, commsFd, cgroupsFd, pathsFd: Int32
    /// The generation in force.
    private(set) var generation: UInt32 = 0
    /// Number of `apply` calls that flipped the generation.
    private(set) var applied = 0

    /// The filter maps of `object` (fds -1 when the object predates the filters).
    init(object: OpaquePointer) {
        func fd(_ name: String) -> Int32 { bpf_object__find_map_by_name(object, name).map { bpf_map__fd($0) } ?? -1 }
        generationFd = fd("filter_generation")
        configFd = fd("filter_config")
        pidsFd = fd("filter_pids")
        uidsFd = fd("filter_uids")
        commsFd = fd("filter_comms")
        cgroupsFd = fd("filter_cgroups")
        pathsFd = fd("filter_paths")
    }

    var exists: Bool { [generationFd, configFd, pidsFd, uidsFd, commsFd, cgroupsFd, pathsFd].allSatisfy { $0 >= 0 } }

    /// Makes `tables` the configuration in force.
    mutating func apply(_ tables: KernelFilterTables) throws {
        guard exists else {
            if tables.isEmpty { return }
            throw BPFError(step: "write filters", errno: ENOENT, detail: "the BPF object has no filter maps; rebuild with `make -C bpf`")
        }
        let next = generation ^ 1
        try clear(generation: next)
        for (pid, flags) in tables.pids { try update(pidsFd, Self.idKey(next, pid), flags, "filter_pids") }
        for (uid, flags) in tables.uids { try update(uidsFd, Self.idKey(next, uid), flags, "filter_uids") }
        for (comm, flags) in tables.comms { try update(commsFd, Self.commKey(next, comm), flags, "filter_comms") }
        for (id, flags) in tables.cgroups { try update(cgroupsFd, Self.cgroupKey(next, id), flags, "filter_cgroups") }
        for (prefix, flags) in tables.paths { try update(pathsFd, Self.pathKey(next, prefix), flags, "filter_paths") }
        var key = next
        var config = infrasight_filter_config(allow_kinds: tables.allowKinds, deny_kinds: tables.denyKinds)
        var rc = bpf_map_update_elem(configFd, &key, &config, UInt64(BPF_ANY))
        guard rc == 0 else { throw BPFError.libbpf("bpf_map_update_elem(filter_config)", code: rc) }
        var zero: UInt32 = 0
        var value = next
        rc = bpf_map_update_elem(generationFd, &zero, &value, UInt64(BPF_ANY))
        guard rc == 0 else { throw BPFError.libbpf("bpf_map_update_elem(filter_generation)", code: rc) }
        generation = next
        applied += 1
    }

    // MARK: keys (layouts in infrasight_event.h)

    static func idKey(_ generation: UInt32, _ id: UInt32) -> [UInt8] { bytes(generation) + bytes(id) }

    static func commKey(_ generation: UInt32, _ comm: [UInt8]) -> [UInt8] {
        let n = Int(INFRASIGHT_COMM_LEN)
        return bytes(generation) + Array(comm.prefix(n - 1)) + [UInt8](repeating: 0, count: n - min(comm.count, n - 1))
    }

    static func cgroupKey(_ generation: UInt32, _ id: UInt64) -> [UInt8] { bytes(UInt64(generation)) + bytes(id) }

    static func pathKey(_ generation: UInt32, _ prefix: [UInt8]) -> [UInt8] {
        let n = Int(INFRASIGHT_FILTER_PATH_MAX)
        let kept = Array(prefix.prefix(n))
        return bytes(UInt32(8 * (1 + kept.count))) + [UInt8(generation)] + kept + [UInt8](repeating: 0, count: n - kept.count)
    }

    static func bytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    // MARK: map access

    private func update(_ fd: Int32, _ key: [UInt8], _ flags: UInt8, _ name: String) throws {
        var value = flags
        let rc = key.withUnsafeBytes { bpf_map_update_elem(fd, $0.baseAddress, &value, UInt64(BPF_ANY)) }
        guard rc == 0 else {
            throw BPFError.libbpf("bpf_map_update_elem(\(name))", code: rc, hint: "at most \(INFRASIGHT_FILTER_MAX_ENTRIES) entries per kind")
        }
    }

    /// Deletes every entry of `generation` from the keyed maps.
    private func clear(generation: UInt32) throws {
        let maps: [(Int32, Int, (([UInt8]) -> UInt32))] = [
            (pidsFd, 8, { UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 | UInt32($0[3]) << 24 }),
            (uidsFd, 8, { UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 | UInt32($0[3]) << 24 }),
            (commsFd, 4 + Int(INFRASIGHT_COMM_LEN), { UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 | UInt32($0[3]) << 24 }),
            (cgroupsFd, 16, { UInt32($0[0]) | UInt32($0[1]) << 8 | UInt32($0[2]) << 16 | UInt32($0[3]) << 24 }),
            (pathsFd, 5 + Int(INFRASIGHT_FILTER_PATH_MAX), { UInt32($0[4]) }),
        ]
        for (fd, size, generationOf) in maps {
            var stale: [[UInt8]] = []
            var key = [UInt8](repeating: 0, count: size), next = [UInt8](repeating: 0, count: size)
            var first = true
            while true {
                let rc = next.withUnsafeMutableBytes { n in
                    first ? bpf_map_get_next_key(fd, nil, n.baseAddress)
                          : key.withUnsafeBytes { bpf_map_get_next_key(fd, $0.baseAddress, n.baseAddress) }
                }
                guard rc == 0 else { break }
                first = false
                key = next
                if generationOf(key) == generation { stale.append(key) }
            }
            for k in stale { _ = k.withUnsafeBytes { bpf_map_delete_elem(fd, $0.baseAddress) } }
        }
    }
}
