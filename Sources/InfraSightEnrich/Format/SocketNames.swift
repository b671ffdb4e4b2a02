/// Names of socket address families and transport protocols (Linux values).
///
/// Families: `AF_UNSPEC`, `AF_UNIX`, `AF_INET`, `AF_INET6`, `AF_NETLINK`, `AF_PACKET`, `AF_ALG`,
/// `AF_VSOCK`, `AF_XDP` and others as `AF_<n>`.
///
/// Protocols are named only for the inet families (`AF_INET`, `AF_INET6`); every other family
/// (unix, netlink, packet, ...) gives the empty string, since its protocol number is not an IP
/// protocol. On inet sockets an explicit protocol number is named when known (`TCP` 6, `UDP` 17,
/// `ICMP` 1, `ICMPv6` 58, `SCTP` 132, `UDPLITE` 136, `IGMP` 2, `RAW` 255, else `IPPROTO_<n>`);
/// protocol 0 takes the type's default: `SOCK_STREAM` → `TCP`, `SOCK_DGRAM` → `UDP`,
/// `SOCK_RAW` → `RAW`, anything else → "". The `SOCK_NONBLOCK`/`SOCK_CLOEXEC` bits of the type
/// are ignored.
public enum SocketNames {
    public static let AF_UNSPEC: UInt32 = 0
    public static let AF_UNIX: UInt32 = 1
    public static let AF_INET: UInt32 = 2
    public static let AF_INET6: UInt32 = 10
    public static let AF_NETLINK: UInt32 = 16
    public static let AF_PACKET: UInt32 = 17
    public static let SOCK_STREAM: UInt32 = 1
    public static let SOCK_DGRAM: UInt32 = 2
    public static let SOCK_RAW: UInt32 = 3
    /// The type bits of a `sock_type` (without `SOCK_NONBLOCK`/`SOCK_CLOEXEC`).
    public static let SOCK_TYPE_MASK: UInt32 = 0xf
    public static let IPPROTO_TCP: UInt32 = 6
    public static let IPPROTO_UDP: UInt32 = 17

    static let families: [String] = (0..<64).map { n -> String in
        switch n {
        case 0: return "AF_UNSPEC"
        case 1: return "AF_UNIX"
        case 2: return "AF_INET"
        case 10: return "AF_INET6"
        case 16: return "AF_NETLINK"
        case 17: return "AF_PACKET"
        case 38: return "AF_ALG"
        case 40: return "AF_VSOCK"
        case 44: return "AF_XDP"
        default: return "AF_\(n)"
        }
    }

    static let protocols: [String] = (0..<256).map { n -> String in
        switch n {
        case 1: return "ICMP"
        case 2: return "IGMP"
        case 6: return "TCP"
        case 17: return "UDP"
        case 58: return "ICMPv6"
        case 132: return "SCTP"
        case 136: return "UDPLITE"
        case 255: return "RAW"
        default: return "IPPROTO_\(n)"
        }
    }

    /// The family's name, e.g. `AF_INET6`, or `AF_<n>`.
    @inline(__always)
    public static func family(_ family: UInt32) -> String {
        family < 64 ? families[Int(family)] : "AF_\(family)"
    }

    /// Whether `family` is `AF_INET` or `AF_INET6`.
    @inline(__always)
    public static func isInet(_ family: UInt32) -> Bool { family == AF_INET || family == AF_INET6 }

    /// The transport protocol's name; see the type's documentation.
    public static func protocolName(family: UInt32, sockType: UInt32, protocol proto: UInt32) -> String {
        guard isInet(family) else { return "" }
        if proto != 0 { return proto < 256 ? protocols[Int(proto)] : "IPPROTO_\(proto)" }
        switch sockType & SOCK_TYPE_MASK {
        case SOCK_STREAM: return "TCP"
        case SOCK_DGRAM: return "UDP"
        case SOCK_RAW: return "RAW"
        default: return ""
        }
    }
}
