/// Names of `enum bpf_prog_type` (UAPI `linux/bpf.h`), for the kernel probe's bpf(BPF_PROG_LOAD)
/// events: the sink's `prog_type_name` column and the detect field `kernel.prog_type_name`.
public enum BPFProgramTypes {
    /// UAPI order: index = the type's number. Numbers past the table print as "" (a newer kernel's type).
    static let names: [String] = [
        "unspec", "socket_filter", "kprobe", "sched_cls", "sched_act", "tracepoint", "xdp", "perf_event",
        "cgroup_skb", "cgroup_sock", "lwt_in", "lwt_out", "lwt_xmit", "sock_ops", "sk_skb", "cgroup_device",
        "sk_msg", "raw_tracepoint", "cgroup_sock_addr", "lwt_seg6local", "lirc_mode2", "sk_reuseport",
        "flow_dissector", "cgroup_sysctl", "raw_tracepoint_writable", "cgroup_sockopt", "tracing", "struct_ops",
        "ext", "lsm", "sk_lookup", "syscall", "netfilter",
    ]

    /// "kprobe" for 2, "" for a number this table does not know.
    public static func name(_ type: UInt32) -> String {
        Int(type) < names.count ? names[Int(type)] : ""
    }
}
