import Foundation
import InfraSightCore

/// Compares every field an `EventView` exposes with the SwiftProtobuf-decoded `Event` of the same
/// bytes, for the differential tests: the view must read exactly what the generated code reads.
public enum EventViewCheck {
    /// The fields that differ (empty when the view agrees with the event everywhere).
    public static func differences(_ v: EventView, _ e: Event) -> [String] {
        var out: [String] = []
        func s(_ name: String, _ bytes: UnsafeRawBufferPointer, _ expected: String) {
            if !bytes.elementsEqual(expected.utf8) { out.append("\(name): view \(Array(bytes)) != \(Array(expected.utf8))") }
        }
        func b(_ name: String, _ bytes: UnsafeRawBufferPointer, _ expected: Data) {
            if !bytes.elementsEqual(expected) { out.append("\(name): view \(Array(bytes)) != \(Array(expected))") }
        }
        func n<T: Equatable>(_ name: String, _ got: T, _ expected: T) {
            if got != expected { out.append("\(name): view \(got) != \(expected)") }
        }
        s("event_id", v.eventID, e.eventID); n("schema_version", v.schemaVersion, e.schemaVersion)
        s("probe", v.probe, e.probe); s("host", v.host, e.host)
        n("time_ns", v.timeNs, e.timeNs); n("ktime_ns", v.ktimeNs, e.ktimeNs)
        n("pid", v.pid, e.pid); n("tid", v.tid, e.tid); n("ppid", v.ppid, e.ppid); n("uid", v.uid, e.uid); n("gid", v.gid, e.gid)
        s("user", v.user, e.user); s("comm", v.comm, e.comm); n("cgroup_id", v.cgroupID, e.cgroupID)
        s("container_id", v.containerID, e.containerID); s("container_runtime", v.containerRuntime, e.containerRuntime)
        n("ret", v.ret, e.ret); n("latency_ns", v.latencyNs, e.latencyNs)

        let kind: EventView.DetailKind?
        switch e.detail {
        case .exec?: kind = .exec
        case .open?: kind = .open
        case .chmod?: kind = .chmod
        case .socket?: kind = .socket
        case .exit?: kind = .exit
        case .ptrace?: kind = .ptrace
        case .mount?: kind = .mount
        case .setid?: kind = .setid
        case .dup?: kind = .dup
        case .socketCreate?: kind = .socketCreate
        case .link?: kind = .link
        case .bind?: kind = .bind
        case .sendto?: kind = .sendto
        case .kernel?: kind = .kernel
        case nil: kind = nil
        }
        n("detail", v.detailKind, kind)
        s("exec.filename", v.exec.filename, e.exec.filename)
        var argv: [[UInt8]] = []
        v.exec.forEachArg { argv.append(Array($0)) }
        n("exec.argv", argv, e.exec.argv.map { Array($0.utf8) }); n("exec.argv count", v.exec.argvCount, e.exec.argv.count)
        n("exec.argv_truncated", v.exec.argvTruncated, e.exec.argvTruncated); n("exec.dirfd", v.exec.dirfd, e.exec.dirfd)
        n("exec.flags", v.exec.flags, e.exec.flags); s("exec.syscall", v.exec.syscall, e.exec.syscall)
        s("exec.resolved_path", v.exec.resolvedPath, e.exec.resolvedPath)
        n("exec.resolved_lexical", v.exec.resolvedLexical, e.exec.resolvedLexical)
        n("exec.resolved_truncated", v.exec.resolvedTruncated, e.exec.resolvedTruncated)
        n("exec.exe_unlinked", v.exec.exeUnlinked, e.exec.exeUnlinked)
        n("exec.exe_memfd", v.exec.exeMemfd, e.exec.exeMemfd)
        s("open.syscall", v.open.syscall, e.open.syscall); s("open.path", v.open.path, e.open.path)
        n("open.path_truncated", v.open.pathTruncated, e.open.pathTruncated); n("open.dirfd", v.open.dirfd, e.open.dirfd)
        n("open.flags", v.open.flags, e.open.flags); n("open.mode", v.open.mode, e.open.mode)
        n("open.resolve", v.open.resolve, e.open.resolve); n("open.fd", v.open.fd, e.open.fd)
        s("open.resolved_path", v.open.resolvedPath, e.open.resolvedPath)
        n("open.resolved_lexical", v.open.resolvedLexical, e.open.resolvedLexical)
        n("open.resolved_truncated", v.open.resolvedTruncated, e.open.resolvedTruncated)
        s("chmod.syscall", v.chmod.syscall, e.chmod.syscall); s("chmod.path", v.chmod.path, e.chmod.path)
        n("chmod.path_truncated", v.chmod.pathTruncated, e.chmod.pathTruncated); n("chmod.fd", v.chmod.fd, e.chmod.fd)
        n("chmod.mode", v.chmod.mode, e.chmod.mode); n("chmod.flags", v.chmod.flags, e.chmod.flags)
        s("chmod.resolved_path", v.chmod.resolvedPath, e.chmod.resolvedPath)
        n("chmod.resolved_lexical", v.chmod.resolvedLexical, e.chmod.resolvedLexical)
        n("chmod.resolved_truncated", v.chmod.resolvedTruncated, e.chmod.resolvedTruncated)
        let so = v.socket, se = e.socket
        s("socket.syscall", so.syscall, se.syscall); n("socket.family", so.family, se.family)
        n("socket.sock_type", so.sockType, se.sockType); n("socket.protocol", so.protocol, se.protocol)
        b("socket.local_addr", so.localAddr, se.localAddr); n("socket.local_port", so.localPort, se.localPort)
        b("socket.remote_addr", so.remoteAddr, se.remoteAddr); n("socket.remote_port", so.remotePort, se.remotePort)
        s("socket.unix_path", so.unixPath, se.unixPath); n("socket.fd", so.fd, se.fd); n("socket.new_fd", so.newFd, se.newFd)
        n("socket.flags", so.flags, se.flags)
        n("exit.exit_code", v.exit.exitCode, e.exit.exitCode); n("exit.signal", v.exit.signal, e.exit.signal)
        n("exit.core_dumped", v.exit.coreDumped, e.exit.coreDumped)
        n("ptrace.request", v.ptrace.request, e.ptrace.request); n("ptrace.target_pid", v.ptrace.targetPid, e.ptrace.targetPid)
        n("ptrace.addr", v.ptrace.addr, e.ptrace.addr); n("ptrace.data", v.ptrace.data, e.ptrace.data)
        s("mount.syscall", v.mount.syscall, e.mount.syscall); s("mount.source", v.mount.source, e.mount.source)
        s("mount.target", v.mount.target, e.mount.target); s("mount.fs_type", v.mount.fsType, e.mount.fsType)
        n("mount.flags", v.mount.flags, e.mount.flags)
        s("setid.syscall", v.setid.syscall, e.setid.syscall)
        n("setid.old_uid", v.setid.oldUid, e.setid.oldUid); n("setid.old_euid", v.setid.oldEuid, e.setid.oldEuid)
        n("setid.old_suid", v.setid.oldSuid, e.setid.oldSuid); n("setid.old_gid", v.setid.oldGid, e.setid.oldGid)
        n("setid.old_egid", v.setid.oldEgid, e.setid.oldEgid); n("setid.old_sgid", v.setid.oldSgid, e.setid.oldSgid)
        n("setid.new_real", v.setid.newReal, e.setid.newReal); n("setid.new_effective", v.setid.newEffective, e.setid.newEffective)
        n("setid.new_saved", v.setid.newSaved, e.setid.newSaved)
        n("setid.cap_effective", v.setid.capEffective, e.setid.capEffective)
        n("setid.cap_permitted", v.setid.capPermitted, e.setid.capPermitted)
        n("setid.cap_inheritable", v.setid.capInheritable, e.setid.capInheritable)
        n("setid.old_cap_effective", v.setid.oldCapEffective, e.setid.oldCapEffective)
        n("setid.old_cap_permitted", v.setid.oldCapPermitted, e.setid.oldCapPermitted)
        let du = v.dup, de = e.dup
        s("dup.syscall", du.syscall, de.syscall); n("dup.oldfd", du.oldfd, de.oldfd); n("dup.newfd", du.newfd, de.newfd)
        n("dup.flags", du.flags, de.flags); n("dup.family", du.family, de.family)
        n("dup.sock_type", du.sockType, de.sockType); n("dup.protocol", du.protocol, de.protocol)
        b("dup.local_addr", du.localAddr, de.localAddr); n("dup.local_port", du.localPort, de.localPort)
        b("dup.remote_addr", du.remoteAddr, de.remoteAddr); n("dup.remote_port", du.remotePort, de.remotePort)
        s("dup.unix_path", du.unixPath, de.unixPath)
        let sc = v.socketCreate, sce = e.socketCreate
        n("socket_create.family", sc.family, sce.family); n("socket_create.sock_type", sc.sockType, sce.sockType)
        n("socket_create.protocol", sc.protocol, sce.protocol); n("socket_create.nonblock", sc.nonblock, sce.nonblock)
        n("socket_create.cloexec", sc.cloexec, sce.cloexec)
        let li = v.link, le = e.link
        s("link.syscall", li.syscall, le.syscall); s("link.path", li.path, le.path)
        n("link.path_truncated", li.pathTruncated, le.pathTruncated)
        s("link.old_path", li.oldPath, le.oldPath); n("link.old_path_truncated", li.oldPathTruncated, le.oldPathTruncated)
        n("link.dirfd", li.dirfd, le.dirfd); n("link.old_dirfd", li.oldDirfd, le.oldDirfd); n("link.flags", li.flags, le.flags)
        s("link.resolved_path", li.resolvedPath, le.resolvedPath)
        n("link.resolved_lexical", li.resolvedLexical, le.resolvedLexical)
        n("link.resolved_truncated", li.resolvedTruncated, le.resolvedTruncated)
        s("link.old_resolved_path", li.oldResolvedPath, le.oldResolvedPath)
        n("link.old_resolved_lexical", li.oldResolvedLexical, le.oldResolvedLexical)
        n("link.old_resolved_truncated", li.oldResolvedTruncated, le.oldResolvedTruncated)
        let bi = v.bind, bie = e.bind
        s("bind.syscall", bi.syscall, bie.syscall); n("bind.fd", bi.fd, bie.fd); n("bind.family", bi.family, bie.family)
        n("bind.sock_type", bi.sockType, bie.sockType); n("bind.protocol", bi.protocol, bie.protocol)
        b("bind.addr", bi.addr, bie.addr); n("bind.port", bi.port, bie.port); n("bind.backlog", bi.backlog, bie.backlog)
        let st = v.sendto, ste = e.sendto
        s("sendto.syscall", st.syscall, ste.syscall); n("sendto.fd", st.fd, ste.fd); n("sendto.family", st.family, ste.family)
        n("sendto.sock_type", st.sockType, ste.sockType); n("sendto.protocol", st.protocol, ste.protocol)
        b("sendto.remote_addr", st.remoteAddr, ste.remoteAddr); n("sendto.remote_port", st.remotePort, ste.remotePort)
        b("sendto.local_addr", st.localAddr, ste.localAddr); n("sendto.local_port", st.localPort, ste.localPort)
        n("sendto.flags", st.flags, ste.flags); n("sendto.count", st.count, ste.count)
        let kr = v.kernel, kre = e.kernel
        s("kernel.syscall", kr.syscall, kre.syscall); n("kernel.fd", kr.fd, kre.fd)
        s("kernel.resolved_path", kr.resolvedPath, kre.resolvedPath); n("kernel.resolved_truncated", kr.resolvedTruncated, kre.resolvedTruncated)
        n("kernel.module_flags", kr.moduleFlags, kre.moduleFlags); n("kernel.image_len", kr.imageLen, kre.imageLen)
        s("kernel.params", kr.params, kre.params); n("kernel.params_truncated", kr.paramsTruncated, kre.paramsTruncated)
        n("kernel.prog_type", kr.progType, kre.progType); n("kernel.insn_cnt", kr.insnCnt, kre.insnCnt)
        n("kernel.expected_attach_type", kr.expectedAttachType, kre.expectedAttachType)
        n("kernel.prog_flags", kr.progFlags, kre.progFlags); s("kernel.prog_name", kr.progName, kre.progName)

        let p = v.process
        n("has process", p.isPresent, e.hasProcess)
        s("process.exec_id", p.execID, e.process.execID); s("process.parent_exec_id", p.parentExecID, e.process.parentExecID)
        s("process.exe", p.exe, e.process.exe); s("process.cwd", p.cwd, e.process.cwd)
        n("process.start_boot_ns", p.startBootNs, e.process.startBootNs)
        n("process.ancestors count", p.ancestorCount, e.process.ancestors.count)
        var ancestors: [[String]] = []
        p.forEachAncestor { a in
            ancestors.append(["\(a.pid)", String(decoding: a.comm, as: UTF8.self), String(decoding: a.exe, as: UTF8.self),
                              String(decoding: a.execID, as: UTF8.self)])
        }
        n("process.ancestors", ancestors, e.process.ancestors.map { ["\($0.pid)", $0.comm, $0.exe, $0.execID] })

        let c = v.container
        n("has container", c.isPresent, e.hasContainer)
        s("container.name", c.name, e.container.name); s("container.image", c.image, e.container.image)
        s("container.pod_name", c.podName, e.container.podName); s("container.pod_namespace", c.podNamespace, e.container.podNamespace)
        s("container.pod_uid", c.podUid, e.container.podUid)
        let labels = c.sortedLabels().map { [Array($0.key), Array($0.value)] }
        let expected = e.container.labels.keys.sorted().map { [Array($0.utf8), Array((e.container.labels[$0] ?? "").utf8)] }
        n("container.labels", labels, expected)

        let x = v.enriched, xe = e.enriched
        n("has enriched", x.isPresent, e.hasEnriched)
        s("enriched.time_iso8601", x.timeIso8601, xe.timeIso8601)
        n("enriched.latency_ms bits", x.latencyMs.bitPattern, xe.latencyMs.bitPattern)
        s("enriched.errno_name", x.errnoName, xe.errnoName); s("enriched.enriched_by", x.enrichedBy, xe.enrichedBy)
        s("enriched.flags_text", x.flagsText, xe.flagsText); s("enriched.mode_text", x.modeText, xe.modeText)
        s("enriched.family_name", x.familyName, xe.familyName); s("enriched.protocol_name", x.protocolName, xe.protocolName)
        s("enriched.local_ip", x.localIp, xe.localIp); s("enriched.remote_ip", x.remoteIp, xe.remoteIp)
        s("enriched.service", x.service, xe.service); s("enriched.remote_hostname", x.remoteHostname, xe.remoteHostname)
        n("enriched.sensitive", x.sensitive, xe.sensitive)
        return out
    }
}
