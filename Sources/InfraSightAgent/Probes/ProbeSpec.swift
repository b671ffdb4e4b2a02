import InfraSightCore

/// How one probe is loaded: its object (`bpf/build/<object>.bpf.o`) and the ways to hook it, best
/// first. `BPFProbe` tries each variant in order (loading only that variant's programs) and keeps
/// the first that loads and attaches, so a kernel without trampolines (fentry/fexit) or without a
/// newer tracepoint still gets the probe through an older hook.
public struct ProbeSpec: Sendable {
    /// Programs attached together; a required group that cannot attach fails the variant, an
    /// optional one (e.g. fchmodat2 before Linux 6.6) is skipped and reported as missing.
    public struct Group: Sendable {
        public var description: String
        public var programs: [String]
        public var required: Bool
        public init(_ description: String, programs: [String], required: Bool = true) {
            self.description = description
            self.programs = programs
            self.required = required
        }
    }

    /// One way to hook the probe.
    public struct Variant: Sendable {
        public var name: String
        public var groups: [Group]
        public init(_ name: String, _ groups: [Group]) {
            self.name = name
            self.groups = groups
        }
        var programs: Set<String> { Set(groups.flatMap(\.programs)) }
    }

    public var probe: Probe
    /// Object file name without `.bpf.o`.
    public var object: String
    public var variants: [Variant]

    static func syscallPair(_ name: String, required: Bool = true, tracepointName: String? = nil) -> Group {
        let tp = tracepointName ?? name
        return Group("tracepoint syscalls:sys_enter_\(tp)/sys_exit_\(tp)",
                     programs: ["tp_enter_\(tp)", "tp_exit_\(tp)"], required: required)
    }

    /// The load plan of every probe.
    public static func spec(for probe: Probe) -> ProbeSpec {
        switch probe {
        case .execve:
            return ProbeSpec(probe: probe, object: "execve", variants: [
                Variant("tracepoints", [syscallPair("execve"), syscallPair("execveat", required: false)]),
            ])
        case .open:
            return ProbeSpec(probe: probe, object: "open", variants: [
                Variant("tracepoints", [syscallPair("open", required: false), syscallPair("openat"),
                                        syscallPair("openat2", required: false),
                                        syscallPair("memfd_create", required: false)]),
            ])
        case .chmod:
            return ProbeSpec(probe: probe, object: "chmod", variants: [
                Variant("tracepoints", [syscallPair("chmod", required: false), syscallPair("fchmod"),
                                        syscallPair("fchmodat"), syscallPair("fchmodat2", required: false)]),
            ])
        case .connect:
            let pair = syscallPair("connect")
            return ProbeSpec(probe: probe, object: "connect", variants: [
                Variant("tracepoints+fexit", [
                    pair,
                    Group("fexit tcp_v4_connect/tcp_v6_connect (source address of refused connects)",
                          programs: ["fexit_tcp_v4_connect", "fexit_tcp_v6_connect"]),
                    Group("fd table → struct socket (CO-RE)", programs: []),
                ]),
                Variant("tracepoints+sock_state", [
                    pair,
                    Group("tracepoint sock:inet_sock_set_state (source address of refused connects)",
                          programs: ["tp_inet_sock_set_state"]),
                    Group("fd table → struct socket (CO-RE)", programs: []),
                ]),
                Variant("tracepoints", [pair, Group("fd table → struct socket (CO-RE)", programs: [])]),
            ])
        case .accept:
            return ProbeSpec(probe: probe, object: "accept", variants: [
                Variant("tracepoints", [syscallPair("accept", required: false), syscallPair("accept4"),
                                        Group("fd table → struct socket (CO-RE)", programs: [])]),
            ])
        case .exit:
            return ProbeSpec(probe: probe, object: "exit", variants: [
                Variant("tp_btf", [Group("tp_btf sched_process_exit (group_dead)", programs: ["btf_sched_process_exit"])]),
                Variant("tracepoint", [Group("tracepoint sched:sched_process_exit", programs: ["tp_sched_process_exit"])]),
            ])
        case .ptrace:
            return ProbeSpec(probe: probe, object: "ptrace", variants: [
                Variant("tracepoints", [syscallPair("ptrace")]),
            ])
        case .dup:
            return ProbeSpec(probe: probe, object: "dup", variants: [
                Variant("tracepoints", [syscallPair("dup2", required: false), syscallPair("dup3"), syscallPair("dup"),
                                        syscallPair("fcntl"),
                                        Group("fd table → struct socket (CO-RE)", programs: [])]),
            ])
        case .socket:
            return ProbeSpec(probe: probe, object: "socket", variants: [
                Variant("tracepoints", [syscallPair("socket"), Group("fd table → struct socket (CO-RE)", programs: [])]),
            ])
        case .bind:
            return ProbeSpec(probe: probe, object: "bind", variants: [
                Variant("tracepoints", [syscallPair("bind"), syscallPair("listen"),
                                        Group("fd table → struct socket (CO-RE)", programs: [])]),
            ])
        case .sendto:
            return ProbeSpec(probe: probe, object: "sendto", variants: [
                Variant("tracepoints", [syscallPair("sendto"), syscallPair("sendmsg"), syscallPair("sendmmsg"),
                                        Group("fd table → struct socket (CO-RE)", programs: [])]),
            ])
        case .kernel:
            // Module loads: their own tracepoints where the kernel has them (built with modules), else
            // every syscall's sys_enter filtered by number (raw tracepoint first: no trace record is
            // built for it). bpf(BPF_PROG_LOAD) always from syscalls:sys_enter_bpf. All at sys_enter.
            let bpf = Group("tracepoint syscalls:sys_enter_bpf (BPF_PROG_LOAD)", programs: ["tp_enter_bpf"])
            return ProbeSpec(probe: probe, object: "kernel", variants: [
                Variant("tracepoints", [
                    Group("tracepoint syscalls:sys_enter_init_module/sys_enter_finit_module",
                          programs: ["tp_enter_init_module", "tp_enter_finit_module"]),
                    bpf,
                ]),
                Variant("raw_tracepoint", [
                    Group("raw_tracepoint sys_enter (init_module, finit_module by syscall number)",
                          programs: ["raw_sys_enter_module"]),
                    bpf,
                ]),
                Variant("raw_syscalls", [
                    Group("tracepoint raw_syscalls:sys_enter (init_module, finit_module by syscall number)",
                          programs: ["tp_raw_sys_enter_module"]),
                    bpf,
                ]),
            ])
        case .mount:
            return ProbeSpec(probe: probe, object: "mount", variants: [
                Variant("tracepoints", [syscallPair("mount"),
                                        Group("tracepoint syscalls:sys_enter_umount/sys_exit_umount (umount2)",
                                              programs: ["tp_enter_umount", "tp_exit_umount"]),
                                        syscallPair("fsopen"), syscallPair("fsmount"), syscallPair("open_tree"),
                                        syscallPair("move_mount")]),
            ])
        case .setid:
            return ProbeSpec(probe: probe, object: "setid", variants: [
                Variant("tracepoints", ["setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "capset"]
                    .map { syscallPair($0) }),
            ])
        case .link:
            // the calls without "at" are x86-64 only (arm64 has the *at forms alone)
            return ProbeSpec(probe: probe, object: "link", variants: [
                Variant("tracepoints", [syscallPair("symlink", required: false), syscallPair("symlinkat"),
                                        syscallPair("link", required: false), syscallPair("linkat"),
                                        syscallPair("unlink", required: false), syscallPair("unlinkat"),
                                        syscallPair("rename", required: false), syscallPair("renameat", required: false),
                                        syscallPair("renameat2")]),
            ])
        }
    }
}
