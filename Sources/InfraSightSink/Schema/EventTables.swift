import InfraSightClickHouse
import InfraSightCore

/// Every event table of database `infrasight`, and which table each probe's events go to.
/// Common columns have the same names and types in every table.
public enum EventTables {
    /// `exec_events`: execve / execveat.
    public static let exec = EventTable(
        name: "exec_events", probes: [.execve],
        columns: CommonColumns.leading + [
            ColumnSpec("filename", "String") { w, e, _ in w.string(e.exec.filename) },
            // The binary as the kernel resolved it (schema v5), beside the filename as passed.
            ColumnSpec("resolved_path", "String") { w, e, _ in w.string(e.exec.resolvedPath) },
            ColumnSpec("resolved_lexical", "UInt8") { w, e, _ in w.uint8(e.exec.resolvedLexical ? 1 : 0) },
            ColumnSpec("resolved_truncated", "UInt8") { w, e, _ in w.uint8(e.exec.resolvedTruncated ? 1 : 0) },
            ColumnSpec("exe_unlinked", "UInt8") { w, e, _ in w.uint8(e.exec.exeUnlinked ? 1 : 0) },
            ColumnSpec("exe_memfd", "UInt8") { w, e, _ in w.uint8(e.exec.exeMemfd ? 1 : 0) },
            ColumnSpec("argv", "Array(String)") { w, e, _ in
                let exec = e.exec
                w.arrayCount(exec.argvCount)
                exec.forEachArg { w.string($0) }
            },
            ColumnSpec("argv_truncated", "UInt8") { w, e, _ in w.uint8(e.exec.argvTruncated ? 1 : 0) },
        ] + CommonColumns.trailing)

    /// `file_events`: open family and chmod family.
    public static let file = EventTable(
        name: "file_events", probes: [.open, .chmod],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(FileFields.syscall(e)) },
            ColumnSpec("path", "String") { w, e, _ in w.string(FileFields.path(e)) },
            ColumnSpec("path_truncated", "UInt8") { w, e, _ in w.uint8(FileFields.pathTruncated(e) ? 1 : 0) },
            // The file as the kernel resolved it (schema v5), beside the path as passed.
            ColumnSpec("resolved_path", "String") { w, e, _ in w.string(FileFields.resolvedPath(e)) },
            ColumnSpec("resolved_lexical", "UInt8") { w, e, _ in w.uint8(FileFields.resolvedLexical(e) ? 1 : 0) },
            ColumnSpec("resolved_truncated", "UInt8") { w, e, _ in w.uint8(FileFields.resolvedTruncated(e) ? 1 : 0) },
            ColumnSpec("dirfd", "Int32") { w, e, _ in w.int32(FileFields.dirfd(e)) },
            ColumnSpec("fd", "Int32") { w, e, _ in w.int32(FileFields.fd(e)) },
            ColumnSpec("flags", "UInt32") { w, e, _ in w.uint32(FileFields.flags(e)) },
            ColumnSpec("flags_text", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.flagsText) },
            ColumnSpec("mode", "UInt32") { w, e, _ in w.uint32(FileFields.mode(e)) },
            ColumnSpec("mode_text", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.modeText) },
            ColumnSpec("resolve", "UInt64") { w, e, _ in w.uint64(e.open.resolve) },
            ColumnSpec("sensitive", "UInt8") { w, e, _ in w.uint8(e.enriched.sensitive ? 1 : 0) },
        ] + CommonColumns.trailing)

    /// `network_events`: connect, accept, accept4.
    public static let network = EventTable(
        name: "network_events", probes: [.connect, .accept],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.socket.syscall) },
            ColumnSpec("family", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.family)) },
            ColumnSpec("family_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.familyName) },
            ColumnSpec("sock_type", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.sockType)) },
            ColumnSpec("protocol", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.protocol)) },
            ColumnSpec("protocol_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.protocolName) },
            ColumnSpec("local_ip", "String") { w, e, _ in w.string(e.enriched.localIp) },
            ColumnSpec("local_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.localPort)) },
            ColumnSpec("remote_ip", "String") { w, e, _ in w.string(e.enriched.remoteIp) },
            ColumnSpec("remote_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socket.remotePort)) },
            ColumnSpec("unix_path", "String") { w, e, _ in w.string(e.socket.unixPath) },
            ColumnSpec("fd", "Int32") { w, e, _ in w.int32(e.socket.fd) },
            ColumnSpec("new_fd", "Int32") { w, e, _ in w.int32(e.socket.newFd) },
            ColumnSpec("service", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.service) },
            ColumnSpec("remote_hostname", "String") { w, e, _ in w.string(e.enriched.remoteHostname) },
        ] + CommonColumns.trailing)

    /// `process_events`: exit, ptrace, mount / umount.
    public static let process = EventTable(
        name: "process_events", probes: [.exit, .ptrace, .mount],
        columns: CommonColumns.leading + [
            ColumnSpec("exit_code", "Int32") { w, e, _ in w.int32(e.exit.exitCode) },
            ColumnSpec("signal", "Int32") { w, e, _ in w.int32(e.exit.signal) },
            ColumnSpec("core_dumped", "UInt8") { w, e, _ in w.uint8(e.exit.coreDumped ? 1 : 0) },
            ColumnSpec("ptrace_request", "Int64") { w, e, _ in w.int64(e.ptrace.request) },
            ColumnSpec("target_pid", "UInt32") { w, e, _ in w.uint32(e.ptrace.targetPid) },
            ColumnSpec("mount_syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.mount.syscall) },
            ColumnSpec("mount_source", "String") { w, e, _ in w.string(e.mount.source) },
            ColumnSpec("mount_target", "String") { w, e, _ in w.string(e.mount.target) },
            ColumnSpec("fs_type", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.mount.fsType) },
            ColumnSpec("mount_flags", "UInt64") { w, e, _ in w.uint64(e.mount.flags) },
        ] + CommonColumns.trailing)

    /// `setid_events` (schema v6): set*id and capset, the credentials before the call and the requested
    /// ids (-1 = unchanged; uids for set*uid, gids for set*gid) or capability sets.
    public static let setid = EventTable(
        name: "setid_events", probes: [.setid],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.setid.syscall) },
            ColumnSpec("old_uid", "UInt32") { w, e, _ in w.uint32(e.setid.oldUid) },
            ColumnSpec("old_euid", "UInt32") { w, e, _ in w.uint32(e.setid.oldEuid) },
            ColumnSpec("old_suid", "UInt32") { w, e, _ in w.uint32(e.setid.oldSuid) },
            ColumnSpec("old_gid", "UInt32") { w, e, _ in w.uint32(e.setid.oldGid) },
            ColumnSpec("old_egid", "UInt32") { w, e, _ in w.uint32(e.setid.oldEgid) },
            ColumnSpec("old_sgid", "UInt32") { w, e, _ in w.uint32(e.setid.oldSgid) },
            ColumnSpec("new_real", "Int64") { w, e, _ in w.int64(e.setid.newReal) },
            ColumnSpec("new_effective", "Int64") { w, e, _ in w.int64(e.setid.newEffective) },
            ColumnSpec("new_saved", "Int64") { w, e, _ in w.int64(e.setid.newSaved) },
            ColumnSpec("cap_effective", "UInt64") { w, e, _ in w.uint64(e.setid.capEffective) },
            ColumnSpec("cap_permitted", "UInt64") { w, e, _ in w.uint64(e.setid.capPermitted) },
            ColumnSpec("cap_inheritable", "UInt64") { w, e, _ in w.uint64(e.setid.capInheritable) },
            ColumnSpec("old_cap_effective", "UInt64") { w, e, _ in w.uint64(e.setid.oldCapEffective) },
            ColumnSpec("old_cap_permitted", "UInt64") { w, e, _ in w.uint64(e.setid.oldCapPermitted) },
        ] + CommonColumns.trailing)

    /// `dup_events`: a socket duplicated onto fd 0, 1 or 2 (dup, dup2, dup3, fcntl F_DUPFD*), schema v7.
    public static let dup = EventTable(
        name: "dup_events", probes: [.dup],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.dup.syscall) },
            ColumnSpec("oldfd", "Int32") { w, e, _ in w.int32(e.dup.oldfd) },
            ColumnSpec("newfd", "Int32") { w, e, _ in w.int32(e.dup.newfd) },
            ColumnSpec("flags", "UInt32") { w, e, _ in w.uint32(e.dup.flags) },
            ColumnSpec("family", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.family)) },
            ColumnSpec("family_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.familyName) },
            ColumnSpec("sock_type", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.sockType)) },
            ColumnSpec("protocol", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.protocol)) },
            ColumnSpec("protocol_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.protocolName) },
            ColumnSpec("local_ip", "String") { w, e, _ in w.string(e.enriched.localIp) },
            ColumnSpec("local_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.localPort)) },
            ColumnSpec("remote_ip", "String") { w, e, _ in w.string(e.enriched.remoteIp) },
            ColumnSpec("remote_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.dup.remotePort)) },
            ColumnSpec("unix_path", "String") { w, e, _ in w.string(e.dup.unixPath) },
            ColumnSpec("service", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.service) },
        ] + CommonColumns.trailing)

    /// `socket_events`: socket() (every family but AF_UNIX and AF_NETLINK/NETLINK_ROUTE), schema v7.
    public static let socket = EventTable(
        name: "socket_events", probes: [.socket],
        columns: CommonColumns.leading + [
            ColumnSpec("family", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socketCreate.family)) },
            ColumnSpec("family_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.familyName) },
            ColumnSpec("sock_type", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socketCreate.sockType)) },
            ColumnSpec("protocol", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.socketCreate.protocol)) },
            ColumnSpec("protocol_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.protocolName) },
            ColumnSpec("nonblock", "UInt8") { w, e, _ in w.uint8(e.socketCreate.nonblock ? 1 : 0) },
            ColumnSpec("cloexec", "UInt8") { w, e, _ in w.uint8(e.socketCreate.cloexec ? 1 : 0) },
        ] + CommonColumns.trailing)

    /// `link_events`: symlink*, link*, unlink*, rename* with both paths as passed and resolved, and the
    /// enrich step's sensitive flag, schema v9.
    public static let link = EventTable(
        name: "link_events", probes: [.link],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.link.syscall) },
            ColumnSpec("path", "String") { w, e, _ in w.string(e.link.path) },
            ColumnSpec("path_truncated", "UInt8") { w, e, _ in w.uint8(e.link.pathTruncated ? 1 : 0) },
            ColumnSpec("resolved_path", "String") { w, e, _ in w.string(e.link.resolvedPath) },
            ColumnSpec("resolved_lexical", "UInt8") { w, e, _ in w.uint8(e.link.resolvedLexical ? 1 : 0) },
            ColumnSpec("resolved_truncated", "UInt8") { w, e, _ in w.uint8(e.link.resolvedTruncated ? 1 : 0) },
            ColumnSpec("old_path", "String") { w, e, _ in w.string(e.link.oldPath) },
            ColumnSpec("old_path_truncated", "UInt8") { w, e, _ in w.uint8(e.link.oldPathTruncated ? 1 : 0) },
            ColumnSpec("old_resolved_path", "String") { w, e, _ in w.string(e.link.oldResolvedPath) },
            ColumnSpec("old_resolved_lexical", "UInt8") { w, e, _ in w.uint8(e.link.oldResolvedLexical ? 1 : 0) },
            ColumnSpec("old_resolved_truncated", "UInt8") { w, e, _ in w.uint8(e.link.oldResolvedTruncated ? 1 : 0) },
            ColumnSpec("dirfd", "Int32") { w, e, _ in w.int32(e.link.dirfd) },
            ColumnSpec("old_dirfd", "Int32") { w, e, _ in w.int32(e.link.oldDirfd) },
            ColumnSpec("flags", "UInt32") { w, e, _ in w.uint32(e.link.flags) },
            ColumnSpec("sensitive", "UInt8") { w, e, _ in w.uint8(e.enriched.sensitive ? 1 : 0) },
        ] + CommonColumns.trailing)

    /// `bind_events`: bind() (the address as passed) and listen() (the bound address, the backlog); every
    /// family but AF_UNIX and AF_NETLINK; schema v10.
    public static let bind = EventTable(
        name: "bind_events", probes: [.bind],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.bind.syscall) },
            ColumnSpec("fd", "Int32") { w, e, _ in w.int32(e.bind.fd) },
            ColumnSpec("family", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.family)) },
            ColumnSpec("family_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.familyName) },
            ColumnSpec("sock_type", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.sockType)) },
            ColumnSpec("protocol", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.protocol)) },
            ColumnSpec("protocol_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.protocolName) },
            ColumnSpec("local_ip", "String") { w, e, _ in w.string(e.enriched.localIp) },
            ColumnSpec("local_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.bind.port)) },
            ColumnSpec("backlog", "Int32") { w, e, _ in w.int32(e.bind.backlog) },
            ColumnSpec("service", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.service) },
        ] + CommonColumns.trailing)

    /// `sendto_events`: sendto, sendmsg, sendmmsg to an explicit AF_INET/AF_INET6 destination; schema v10.
    public static let sendto = EventTable(
        name: "sendto_events", probes: [.sendto],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.sendto.syscall) },
            ColumnSpec("fd", "Int32") { w, e, _ in w.int32(e.sendto.fd) },
            ColumnSpec("family", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.family)) },
            ColumnSpec("family_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.familyName) },
            ColumnSpec("sock_type", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.sockType)) },
            ColumnSpec("protocol", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.protocol)) },
            ColumnSpec("protocol_name", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.protocolName) },
            ColumnSpec("remote_ip", "String") { w, e, _ in w.string(e.enriched.remoteIp) },
            ColumnSpec("remote_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.remotePort)) },
            ColumnSpec("local_ip", "String") { w, e, _ in w.string(e.enriched.localIp) },
            ColumnSpec("local_port", "UInt16") { w, e, _ in w.uint16(UInt16(truncatingIfNeeded: e.sendto.localPort)) },
            ColumnSpec("send_flags", "UInt32") { w, e, _ in w.uint32(e.sendto.flags) },
            ColumnSpec("message_count", "UInt32") { w, e, _ in w.uint32(e.sendto.count) },
            ColumnSpec("service", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.enriched.service) },
        ] + CommonColumns.trailing)

    /// `kernel_events`: module loads (init_module, finit_module) and BPF program loads (bpf BPF_PROG_LOAD),
    /// recorded at the attempt (ret and latency 0); schema v11.
    public static let kernel = EventTable(
        name: "kernel_events", probes: [.kernel],
        columns: CommonColumns.leading + [
            ColumnSpec("syscall", "String", modern: "LowCardinality(String)") { w, e, _ in w.string(e.kernel.syscall) },
            ColumnSpec("fd", "Int32") { w, e, _ in w.int32(e.kernel.fd) },
            ColumnSpec("resolved_path", "String") { w, e, _ in w.string(e.kernel.resolvedPath) },
            ColumnSpec("resolved_truncated", "UInt8") { w, e, _ in w.uint8(e.kernel.resolvedTruncated ? 1 : 0) },
            ColumnSpec("module_flags", "UInt32") { w, e, _ in w.uint32(e.kernel.moduleFlags) },
            ColumnSpec("image_len", "UInt64") { w, e, _ in w.uint64(e.kernel.imageLen) },
            ColumnSpec("params", "String") { w, e, _ in w.string(e.kernel.params) },
            ColumnSpec("params_truncated", "UInt8") { w, e, _ in w.uint8(e.kernel.paramsTruncated ? 1 : 0) },
            ColumnSpec("prog_type", "UInt32") { w, e, _ in w.uint32(e.kernel.progType) },
            ColumnSpec("prog_type_name", "String", modern: "LowCardinality(String)") { w, e, _ in
                w.string(e.kernel.syscall.elementsEqual("bpf".utf8) ? BPFProgramTypes.name(e.kernel.progType) : "")
            },
            ColumnSpec("prog_name", "String") { w, e, _ in w.string(e.kernel.progName) },
            ColumnSpec("insn_cnt", "UInt32") { w, e, _ in w.uint32(e.kernel.insnCnt) },
            ColumnSpec("expected_attach_type", "UInt32") { w, e, _ in w.uint32(e.kernel.expectedAttachType) },
            ColumnSpec("prog_flags", "UInt32") { w, e, _ in w.uint32(e.kernel.progFlags) },
        ] + CommonColumns.trailing)

    public static let all: [EventTable] = [exec, file, network, process, setid, dup, socket, link, bind, sendto, kernel]

    public static func table(for probe: Probe) -> EventTable {
        switch probe {
        case .execve: return exec
        case .open, .chmod: return file
        case .connect, .accept: return network
        case .exit, .ptrace, .mount: return process
        case .setid: return setid
        case .dup: return dup
        case .socket: return socket
        case .link: return link
        case .bind: return bind
        case .sendto: return sendto
        case .kernel: return kernel
        }
    }
}

/// file_events columns shared by the open and chmod payloads.
enum FileFields {
    @inline(__always)
    static func isChmod(_ e: EventView) -> Bool { e.detailKind == .chmod }
    static func syscall(_ e: EventView) -> UnsafeRawBufferPointer { isChmod(e) ? e.chmod.syscall : e.open.syscall }
    static func path(_ e: EventView) -> UnsafeRawBufferPointer { isChmod(e) ? e.chmod.path : e.open.path }
    static func pathTruncated(_ e: EventView) -> Bool { isChmod(e) ? e.chmod.pathTruncated : e.open.pathTruncated }
    static func resolvedPath(_ e: EventView) -> UnsafeRawBufferPointer { isChmod(e) ? e.chmod.resolvedPath : e.open.resolvedPath }
    static func resolvedLexical(_ e: EventView) -> Bool { isChmod(e) ? e.chmod.resolvedLexical : e.open.resolvedLexical }
    static func resolvedTruncated(_ e: EventView) -> Bool { isChmod(e) ? e.chmod.resolvedTruncated : e.open.resolvedTruncated }
    /// open*: the dirfd passed; fchmodat*: its dirfd; chmod/fchmod: AT_FDCWD (-100).
    static func dirfd(_ e: EventView) -> Int32 {
        if isChmod(e) { return ByteText.hasPrefix(e.chmod.syscall, "fchmodat") ? e.chmod.fd : -100 }
        return e.open.dirfd
    }
    /// open*: the returned fd; fchmod: the fd it changed; others: -1.
    static func fd(_ e: EventView) -> Int32 {
        if isChmod(e) { return ByteText.equals(e.chmod.syscall, "fchmod") ? e.chmod.fd : -1 }
        return e.open.fd
    }
    static func flags(_ e: EventView) -> UInt32 { isChmod(e) ? e.chmod.flags : e.open.flags }
    static func mode(_ e: EventView) -> UInt32 { isChmod(e) ? e.chmod.mode : e.open.mode }
}
