import InfraSightCore

/// How a rule reads one field of an event. Text fields hand their bytes to a predicate (read in place,
/// nothing copied); list fields (the ancestors) match when any element does.
public enum FieldReader {
    /// One text value; absent reads as empty.
    case text((inout EventFacts, (UnsafeRawBufferPointer) -> Bool) -> Bool)
    /// Several text values; a comparison holds when it holds for any of them.
    case texts((inout EventFacts, (UnsafeRawBufferPointer) -> Bool) -> Bool)
    /// A number; nil where the probe does not carry it (every comparison is then false).
    case number((inout EventFacts) -> Int64?)
    /// A truth value.
    case flag((inout EventFacts) -> Bool)
}

/// One field rules can name, with Falco's name where Falco has the same field.
public struct EventField: Sendable {
    public let name: String
    public let help: String
    let reader: @Sendable () -> FieldReader

    init(_ name: String, _ help: String, _ reader: @escaping @Sendable () -> FieldReader) {
        self.name = name
        self.help = help
        self.reader = reader
    }

    /// The field's value as text, for a rule's output and for `same:` keys of sequences.
    func render(_ facts: inout EventFacts) -> String {
        var out = ""
        switch reader() {
        case .text(let read):
            _ = read(&facts) { out = String(decoding: $0, as: UTF8.self); return true }
        case .texts(let read):
            var all: [String] = []
            _ = read(&facts) { all.append(String(decoding: $0, as: UTF8.self)); return false }
            out = all.joined(separator: ",")
        case .number(let read):
            out = read(&facts).map(String.init) ?? ""
        case .flag(let read):
            out = read(&facts) ? "true" : "false"
        }
        return out
    }
}

/// Every field a rule condition or output can use.
public enum EventFields {
    static func text(_ name: String, _ help: String, _ get: @escaping (inout EventFacts) -> UnsafeRawBufferPointer) -> EventField {
        EventField(name, help) { .text { facts, body in body(get(&facts)) } }
    }
    static func number(_ name: String, _ help: String, _ get: @escaping (inout EventFacts) -> Int64?) -> EventField {
        EventField(name, help) { .number(get) }
    }
    static func flag(_ name: String, _ help: String, _ get: @escaping (inout EventFacts) -> Bool) -> EventField {
        EventField(name, help) { .flag(get) }
    }
    static func of(_ probes: Probe..., in facts: EventFacts) -> Bool { probes.contains(facts.probe) }

    /// O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND: the open may change the file.
    static let writeFlags: UInt32 = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000

    public static let all: [EventField] = [
        // The event
        text("evt.probe", "probe family: execve, open, chmod, connect, accept, exit, ptrace, mount, setid, dup, socket, link, bind, sendto, kernel") { $0.event.probe },
        text("evt.type", "the syscall: execve, openat, fchmodat, connect, accept4, mount, dup2, bind, listen, sendto, ... (exit: exit, ptrace: ptrace, socket: socket; link: symlink, linkat, unlinkat, renameat2, ...; kernel: init_module, finit_module, bpf)") { facts in
            switch facts.probe {
            case .execve: return facts.event.exec.syscall
            case .open: return facts.event.open.syscall
            case .chmod: return facts.event.chmod.syscall
            case .connect, .accept: return facts.event.socket.syscall
            case .mount: return facts.event.mount.syscall
            case .setid: return facts.event.setid.syscall
            case .exit: return StaticTexts.exit
            case .ptrace: return StaticTexts.ptrace
            case .dup: return facts.event.dup.syscall
            case .socket: return StaticTexts.socket
            case .link: return facts.event.link.syscall
            case .bind: return facts.event.bind.syscall
            case .sendto: return facts.event.sendto.syscall
            case .kernel: return facts.event.kernel.syscall
            }
        },
        number("evt.res", "syscall return value (negative errno on failure)") { $0.event.ret },
        flag("evt.failed", "the syscall failed (return value < 0)") { $0.event.ret < 0 },
        number("evt.time", "event time, Unix epoch ns") { Int64(bitPattern: $0.event.timeNs) },
        text("evt.id", "the event's event_id") { $0.event.eventID },
        text("host", "node name") { $0.event.host },
        // The process
        number("proc.pid", "process id (thread-group id)") { Int64($0.event.pid) },
        number("proc.tid", "thread id") { Int64($0.event.tid) },
        number("proc.ppid", "parent process id") { Int64($0.event.ppid) },
        text("proc.name", "task comm (at most 15 bytes)") { $0.event.comm },
        text("proc.exe", "executable path") { $0.event.process.exe },
        text("proc.cwd", "working directory") { $0.event.process.cwd },
        EventField("proc.cmdline", "execve's argv joined with spaces (execve events only)") {
            .text { facts, body in facts.withCommandLine(body) }
        },
        text("proc.exec_id", "stable id of this process instance") { $0.event.process.execID },
        EventField("proc.pname", "the parent's comm") {
            .text { facts, body in
                var result: Bool?
                facts.event.process.forEachAncestor { a in if result == nil { result = body(a.comm) } }
                return result ?? body(UnsafeRawBufferPointer(start: nil, count: 0))
            }
        },
        EventField("proc.pexe", "the parent's executable") {
            .text { facts, body in
                var result: Bool?
                facts.event.process.forEachAncestor { a in if result == nil { result = body(a.exe) } }
                return result ?? body(UnsafeRawBufferPointer(start: nil, count: 0))
            }
        },
        EventField("proc.aname", "any ancestor's comm (parent, grandparent, ... up to 8)") {
            .texts { facts, body in
                var hit = false
                facts.event.process.forEachAncestor { a in if !hit { hit = body(a.comm) } }
                return hit
            }
        },
        EventField("proc.aexe", "any ancestor's executable, where the agent recorded it") {
            .texts { facts, body in
                var hit = false
                facts.event.process.forEachAncestor { a in if !hit && !a.exe.isEmpty { hit = body(a.exe) } }
                return hit
            }
        },
        // Who
        number("user.uid", "user id") { Int64($0.event.uid) },
        number("user.gid", "group id") { Int64($0.event.gid) },
        text("user.name", "user name (resolved on the node)") { $0.event.user },
        // Where
        text("container.id", "container id (empty on the host)") { $0.event.containerID },
        text("container.runtime", "docker, containerd, cri-o, podman (empty on the host)") { $0.event.containerRuntime },
        text("container.name", "container name from the runtime") { $0.event.container.name },
        text("container.image", "container image from the runtime") { $0.event.container.image },
        text("k8s.pod.name", "Kubernetes pod name") { $0.event.container.podName },
        text("k8s.ns.name", "Kubernetes namespace") { $0.event.container.podNamespace },
        // Files (open, chmod, execve; the unix socket path of connect/accept; mount's target)
        EventField("fd.name", "the file: the passed path made absolute against the cwd and normalised") {
            .text { facts, body in facts.withResolvedPath(body) }
        },
        EventField("fd.directory", "the directory of fd.name") {
            .text { facts, body in
                facts.withResolvedPath { path in
                    let cut = path.lastIndex(of: UInt8(ascii: "/")) ?? 0
                    return body(UnsafeRawBufferPointer(rebasing: path[0..<max(cut, path.first == UInt8(ascii: "/") ? 1 : 0)]))
                }
            }
        },
        EventField("fd.filename", "the last component of fd.name") {
            .text { facts, body in
                facts.withResolvedPath { path in
                    let start = (path.lastIndex(of: UInt8(ascii: "/")) ?? -1) + 1
                    return body(UnsafeRawBufferPointer(rebasing: path[start...]))
                }
            }
        },
        text("fd.passed_name", "the path exactly as the process passed it") { $0.passedPath },
        number("open.flags", "open's O_* flags") { $0.probe == .open ? Int64($0.event.open.flags) : nil },
        flag("open.write", "the open may change the file (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC or O_APPEND)") {
            $0.probe == .open && $0.event.open.flags & EventFields.writeFlags != 0
        },
        flag("open.truncate", "the open truncates the file (O_TRUNC)") { $0.probe == .open && $0.event.open.flags & 0o1000 != 0 },
        flag("open.create", "the open may create the file (O_CREAT)") { $0.probe == .open && $0.event.open.flags & 0o100 != 0 },
        flag("fd.sensitive", "enrich's sensitive-path list matched") { $0.event.enriched.sensitive },
        number("chmod.mode", "the mode chmod set") { $0.probe == .chmod ? Int64($0.event.chmod.mode) : nil },
        flag("chmod.setuid", "chmod set the set-user-id bit") { $0.probe == .chmod && $0.event.chmod.mode & 0o4000 != 0 },
        flag("chmod.setgid", "chmod set the set-group-id bit") { $0.probe == .chmod && $0.event.chmod.mode & 0o2000 != 0 },
        flag("chmod.exec", "chmod set an execute bit") { $0.probe == .chmod && $0.event.chmod.mode & 0o111 != 0 },
        flag("chmod.world_writable", "chmod made the file writable by anyone") { $0.probe == .chmod && $0.event.chmod.mode & 0o002 != 0 },
        // Links and removals (fd.name is the name created or removed, resolved)
        text("link.old_name", "symlink's target or link's/rename's old path, resolved (target: relative to the link's directory); as passed when unresolved") {
            $0.probe == .link ? ($0.event.link.oldResolvedPath.isEmpty ? $0.event.link.oldPath : $0.event.link.oldResolvedPath) : StaticTexts.empty
        },
        text("link.old_passed_name", "symlink's target or link's/rename's old path exactly as passed") {
            $0.probe == .link ? $0.event.link.oldPath : StaticTexts.empty
        },
        number("link.flags", "linkat AT_*, unlinkat AT_REMOVEDIR 0x200, renameat2 RENAME_* (NOREPLACE 1, EXCHANGE 2)") {
            $0.probe == .link ? Int64($0.event.link.flags) : nil
        },
        // Exec
        text("exec.filename", "execve's path as passed (fd.name is the resolved one)") { $0.probe == .execve ? $0.event.exec.filename : StaticTexts.empty },
        number("exec.flags", "execveat's flags (AT_EMPTY_PATH 0x1000: the program is the dirfd itself)") {
            $0.probe == .execve ? Int64($0.event.exec.flags) : nil
        },
        flag("exec.exe_unlinked", "the program run has no name left: removed while open, or a memfd (fileless)") {
            $0.probe == .execve && $0.event.exec.exeUnlinked
        },
        flag("exec.exe_memfd", "the program run is a memfd (memfd_create)") { $0.probe == .execve && $0.event.exec.exeMemfd },
        // Network (connect, accept; dup: the socket put on fd 0-2; socket: family and protocol names;
        // bind / listen: the local address and port bound or listened on; sendto: the destination)
        text("net.rip", "remote IP address as text") { $0.event.enriched.remoteIp },
        number("net.rport", "remote port") { $0.probe == .connect || $0.probe == .accept ? Int64($0.event.socket.remotePort) : $0.probe == .dup ? Int64($0.event.dup.remotePort) : $0.probe == .sendto ? Int64($0.event.sendto.remotePort) : nil },
        text("net.lip", "local IP address as text") { $0.event.enriched.localIp },
        number("net.lport", "local port") { $0.probe == .connect || $0.probe == .accept ? Int64($0.event.socket.localPort) : $0.probe == .dup ? Int64($0.event.dup.localPort) : $0.probe == .bind ? Int64($0.event.bind.port) : $0.probe == .sendto ? Int64($0.event.sendto.localPort) : nil },
        text("net.family", "AF_INET, AF_INET6, AF_UNIX, AF_PACKET, ...") { $0.event.enriched.familyName },
        text("net.proto", "TCP, UDP, RAW, ...") { $0.event.enriched.protocolName },
        text("net.service", "well-known service of the port") { $0.event.enriched.service },
        text("net.unix_path", "unix socket path") {
            $0.probe == .connect || $0.probe == .accept ? $0.event.socket.unixPath : $0.probe == .dup ? $0.event.dup.unixPath : StaticTexts.empty
        },
        // dup: a socket duplicated onto fd 0, 1 or 2
        number("dup.oldfd", "the duplicated fd (a socket)") { $0.probe == .dup ? Int64($0.event.dup.oldfd) : nil },
        number("dup.newfd", "the fd it landed on: 0 stdin, 1 stdout, 2 stderr") { $0.probe == .dup ? Int64($0.event.dup.newfd) : nil },
        number("dup.flags", "dup3 flags (O_CLOEXEC 0x80000)") { $0.probe == .dup ? Int64($0.event.dup.flags) : nil },
        number("dup.family", "the socket's family (AF_INET 2, AF_INET6 10, AF_UNIX 1)") { $0.probe == .dup ? Int64($0.event.dup.family) : nil },
        // bind / listen: a new listener
        number("bind.family", "bind's sockaddr family, listen's socket family (AF_INET 2, AF_INET6 10, AF_PACKET 17, ...)") {
            $0.probe == .bind ? Int64($0.event.bind.family) : nil
        },
        number("bind.type", "the socket's type (SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3)") {
            $0.probe == .bind ? Int64($0.event.bind.sockType) : nil
        },
        number("bind.backlog", "listen's backlog (0 for bind)") { $0.probe == .bind ? Int64($0.event.bind.backlog) : nil },
        // sendto, sendmsg, sendmmsg to an explicit destination
        number("sendto.family", "the destination's family (AF_INET 2, AF_INET6 10)") { $0.probe == .sendto ? Int64($0.event.sendto.family) : nil },
        number("sendto.type", "the socket's type (SOCK_DGRAM 2, SOCK_RAW 3)") { $0.probe == .sendto ? Int64($0.event.sendto.sockType) : nil },
        number("sendto.count", "messages asked for (1; sendmmsg: vlen)") { $0.probe == .sendto ? Int64($0.event.sendto.count) : nil },
        // kernel reach (recorded at the attempt: evt.res is 0); fd.name is finit_module's file
        text("kernel.params", "init_module / finit_module's parameter string as passed") {
            $0.probe == .kernel ? $0.event.kernel.params : StaticTexts.empty
        },
        number("kernel.image_len", "init_module's image length in bytes") { $0.probe == .kernel ? Int64(bitPattern: $0.event.kernel.imageLen) : nil },
        number("kernel.module_flags", "finit_module's flags (MODULE_INIT_IGNORE_MODVERSIONS 1, _IGNORE_VERMAGIC 2, _COMPRESSED_FILE 4)") {
            $0.probe == .kernel ? Int64($0.event.kernel.moduleFlags) : nil
        },
        number("kernel.prog_type", "bpf(BPF_PROG_LOAD)'s program type (SOCKET_FILTER 1, KPROBE 2, TRACEPOINT 5, XDP 6, TRACING 26, LSM 29, ...)") {
            $0.probe == .kernel ? Int64($0.event.kernel.progType) : nil
        },
        text("kernel.prog_name", "bpf(BPF_PROG_LOAD)'s program name (attr.prog_name)") {
            $0.probe == .kernel ? $0.event.kernel.progName : StaticTexts.empty
        },
        number("kernel.insn_cnt", "bpf(BPF_PROG_LOAD)'s instruction count") { $0.probe == .kernel ? Int64($0.event.kernel.insnCnt) : nil },
        number("kernel.attach_type", "bpf(BPF_PROG_LOAD)'s expected attach type") {
            $0.probe == .kernel ? Int64($0.event.kernel.expectedAttachType) : nil
        },
        // socket()
        number("socket.family", "socket()'s family (AF_INET 2, AF_INET6 10, AF_PACKET 17, AF_NETLINK 16, ...)") {
            $0.probe == .socket ? Int64($0.event.socketCreate.family) : nil
        },
        number("socket.type", "socket()'s type without flags (SOCK_STREAM 1, SOCK_DGRAM 2, SOCK_RAW 3, SOCK_PACKET 10)") {
            $0.probe == .socket ? Int64($0.event.socketCreate.sockType) : nil
        },
        number("socket.protocol", "socket()'s protocol as passed (IPPROTO_*; AF_PACKET: ETH_P_* in network order)") {
            $0.probe == .socket ? Int64($0.event.socketCreate.protocol) : nil
        },
        flag("socket.nonblock", "socket() asked for SOCK_NONBLOCK") { $0.probe == .socket && $0.event.socketCreate.nonblock },
        flag("socket.cloexec", "socket() asked for SOCK_CLOEXEC") { $0.probe == .socket && $0.event.socketCreate.cloexec },
        // ptrace, mount, exit
        number("ptrace.request", "ptrace request (PTRACE_ATTACH 16, PTRACE_SEIZE 0x4206, PTRACE_POKETEXT 4, ...)") {
            $0.probe == .ptrace ? $0.event.ptrace.request : nil
        },
        number("ptrace.target", "the traced pid") { $0.probe == .ptrace ? Int64($0.event.ptrace.targetPid) : nil },
        text("mount.source", "mount source") { $0.probe == .mount ? $0.event.mount.source : StaticTexts.empty },
        text("mount.target", "mount target as passed") { $0.probe == .mount ? $0.event.mount.target : StaticTexts.empty },
        text("mount.fstype", "file system type") { $0.probe == .mount ? $0.event.mount.fsType : StaticTexts.empty },
        number("mount.flags", "mount flags") { $0.probe == .mount ? Int64(bitPattern: $0.event.mount.flags) : nil },
        // setid (set*id, capset): ids before the call and the ids asked for (-1 = unchanged)
        text("setid.call", "setuid, setgid, setreuid, setregid, setresuid, setresgid, capset") {
            $0.probe == .setid ? $0.event.setid.syscall : StaticTexts.empty
        },
        number("setid.old_uid", "real uid before the call") { $0.probe == .setid ? Int64($0.event.setid.oldUid) : nil },
        number("setid.old_euid", "effective uid before the call") { $0.probe == .setid ? Int64($0.event.setid.oldEuid) : nil },
        number("setid.old_suid", "saved uid before the call") { $0.probe == .setid ? Int64($0.event.setid.oldSuid) : nil },
        number("setid.old_gid", "real gid before the call") { $0.probe == .setid ? Int64($0.event.setid.oldGid) : nil },
        number("setid.old_egid", "effective gid before the call") { $0.probe == .setid ? Int64($0.event.setid.oldEgid) : nil },
        number("setid.old_sgid", "saved gid before the call") { $0.probe == .setid ? Int64($0.event.setid.oldSgid) : nil },
        number("setid.new_uid", "real uid asked for (-1: unchanged; setuid: its argument)") { SetidFields.requested($0, .uid, .real) },
        number("setid.new_euid", "effective uid asked for (-1: unchanged; setuid: its argument)") { SetidFields.requested($0, .uid, .effective) },
        number("setid.new_suid", "saved uid asked for (-1: unchanged)") { SetidFields.requested($0, .uid, .saved) },
        number("setid.new_gid", "real gid asked for (-1: unchanged; setgid: its argument)") { SetidFields.requested($0, .gid, .real) },
        number("setid.new_egid", "effective gid asked for (-1: unchanged; setgid: its argument)") { SetidFields.requested($0, .gid, .effective) },
        number("setid.new_sgid", "saved gid asked for (-1: unchanged)") { SetidFields.requested($0, .gid, .saved) },
        number("setid.cap_effective", "capset: effective set asked for") { $0.probe == .setid ? Int64(bitPattern: $0.event.setid.capEffective) : nil },
        number("setid.cap_permitted", "capset: permitted set asked for") { $0.probe == .setid ? Int64(bitPattern: $0.event.setid.capPermitted) : nil },
        number("setid.cap_inheritable", "capset: inheritable set asked for") { $0.probe == .setid ? Int64(bitPattern: $0.event.setid.capInheritable) : nil },
        number("setid.old_cap_effective", "capset: effective set before the call") { $0.probe == .setid ? Int64(bitPattern: $0.event.setid.oldCapEffective) : nil },
        number("setid.old_cap_permitted", "capset: permitted set before the call") { $0.probe == .setid ? Int64(bitPattern: $0.event.setid.oldCapPermitted) : nil },
        number("exit.code", "exit code") { $0.probe == .exit ? Int64($0.event.exit.exitCode) : nil },
        number("exit.signal", "terminating signal") { $0.probe == .exit ? Int64($0.event.exit.signal) : nil },
    ]

    /// Fields by name.
    public static let byName: [String: EventField] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}

/// Constant texts fields hand out, kept alive for the process's life.
enum StaticTexts {
    static let exit = bytes("exit")
    static let ptrace = bytes("ptrace")
    static let socket = bytes("socket")
    static let empty = UnsafeRawBufferPointer(start: nil, count: 0)

    private static func bytes(_ s: String) -> UnsafeRawBufferPointer {
        let utf8 = Array(s.utf8)
        let p = UnsafeMutableRawBufferPointer.allocate(byteCount: utf8.count, alignment: 1)
        p.copyBytes(from: utf8)
        return UnsafeRawBufferPointer(p)
    }
}
