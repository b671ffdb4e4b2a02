#if canImport(Glibc)
import Glibc
#endif

/// A probe family the agent can attach: one kernel program set, one raw and one enriched topic.
public enum Probe: String, CaseIterable, Sendable, Codable {
    /// execve, execveat
    case execve
    /// open, openat, openat2, memfd_create (an anonymous file made and opened)
    case open
    /// chmod, fchmod, fchmodat, fchmodat2
    case chmod
    /// connect
    case connect
    /// accept, accept4
    case accept
    /// process exit (exit code, signal)
    case exit
    /// ptrace
    case ptrace
    /// mount, umount2, and the new mount API: fsopen, fsmount, open_tree, move_mount
    case mount
    /// setuid, setgid, setreuid, setregid, setresuid, setresgid, capset (privilege changes)
    case setid
    /// dup, dup2, dup3, fcntl F_DUPFD*: only a socket duplicated onto fd 0, 1 or 2 (reverse shells)
    case dup
    /// socket(): every family but AF_UNIX and AF_NETLINK/NETLINK_ROUTE
    case socket
    /// symlink, symlinkat, link, linkat, unlink, unlinkat, rename, renameat, renameat2 (links and removals)
    case link
    /// bind, listen: new listeners (AF_UNIX and AF_NETLINK are not emitted)
    case bind
    /// sendto, sendmsg, sendmmsg with an AF_INET/AF_INET6 destination (unconnected UDP, raw IP)
    case sendto
    /// init_module, finit_module, bpf(BPF_PROG_LOAD): kernel reach, recorded at the attempt (sys_enter)
    case kernel

    /// Topic the agent publishes this probe's raw events to.
    public var rawTopic: String { TopicNames.raw(self) }
    /// Topic enrichment workers publish this probe's enriched events to.
    public var enrichedTopic: String { TopicNames.enriched(self) }

    /// Whether an event's detail payload is the one this probe produces.
    public func accepts(_ detail: Event.OneOf_Detail?) -> Bool {
        switch (self, detail) {
        case (.execve, .exec?), (.open, .open?), (.chmod, .chmod?), (.connect, .socket?), (.accept, .socket?),
             (.exit, .exit?), (.ptrace, .ptrace?), (.mount, .mount?), (.setid, .setid?), (.dup, .dup?),
             (.socket, .socketCreate?), (.link, .link?), (.bind, .bind?), (.sendto, .sendto?), (.kernel, .kernel?):
            return true
        default:
            return false
        }
    }

    /// The probe named by UTF-8 bytes (nil for any other name). Every consumer calls this per event:
    /// the names are compared as bytes, not through String's UTF-8 view.
    public init?(utf8 name: UnsafeRawBufferPointer) {
        guard let base = name.baseAddress else { return nil }
        for (i, raw) in Self.utf8Names.enumerated() where raw.count == name.count {
            if raw.withUnsafeBytes({ memcmp($0.baseAddress!, base, raw.count) }) == 0 {
                self = Self.allCases[i]
                return
            }
        }
        return nil
    }

    /// `allCases`' names as bytes, in the same order.
    private static let utf8Names: [[UInt8]] = allCases.map { Array($0.rawValue.utf8) }

    /// Field number of the `detail` oneof member this probe's events carry.
    public var detailField: Int {
        switch self {
        case .execve: return 20
        case .open: return 21
        case .chmod: return 22
        case .connect, .accept: return 23
        case .exit: return 24
        case .ptrace: return 25
        case .mount: return 26
        case .setid: return 27
        case .dup: return 28
        case .socket: return 29
        case .link: return 32
        case .bind: return 33
        case .sendto: return 34
        case .kernel: return 35
        }
    }
}
