import Foundation
import InfraSightCore

/// Varied, valid events from a seeded generator, for the differential tests of the view-based hot
/// paths (`EventView` against SwiftProtobuf): every probe and detail payload, empty, long, non-ASCII
/// and awkward strings, extreme integers, optional process (with ancestors), container (with labels)
/// and enrichment context.
public struct RandomEvents {
    public var rng: FuzzRNG

    public init(seed: UInt64) { rng = FuzzRNG(state: seed) }

    static let words = ["", "a", "bash", "/etc/shadow", "/usr/lib/x86_64-linux-gnu/libc.so.6", "tab\there", "new\nline",
                        "ünïcødé ✓", "quote'\"", "e\u{301}", "\u{e9}", "日本語", "🙂", "NUL\u{0}inside",
                        String(repeating: "x", count: 200), String(repeating: "ab", count: 70)]

    public mutating func string() -> String {
        if Int.random(in: 0..<4, using: &rng) == 0 { return "" }
        return Self.words.randomElement(using: &rng)! + (Bool.random(using: &rng) ? "" : String(Int.random(in: 0...99_999, using: &rng)))
    }

    public mutating func u32() -> UInt32 {
        [0, 1, 4242, UInt32.max, UInt32.random(in: 0...UInt32.max, using: &rng)].randomElement(using: &rng)!
    }

    public mutating func u64() -> UInt64 {
        [0, 1, 1_795_000_000_123_456_789, UInt64.max, UInt64.random(in: 0...UInt64.max, using: &rng)].randomElement(using: &rng)!
    }

    public mutating func i32() -> Int32 {
        [0, -1, -100, Int32.min, Int32.max, Int32.random(in: Int32.min...Int32.max, using: &rng)].randomElement(using: &rng)!
    }

    public mutating func i64() -> Int64 {
        [0, -2, -13, -4095, 3, Int64.min, Int64.max, Int64.random(in: Int64.min...Int64.max, using: &rng)].randomElement(using: &rng)!
    }

    public mutating func addr() -> Data {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: return Data()
        case 1: return Data((0..<4).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 2: return Data([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 1, 2, 3])
        case 3: return Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) })
        default: return Data((0..<Int.random(in: 1...20, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
    }

    /// One valid event (it passes `EventCodec.validate`).
    public mutating func event() -> Event {
        var e = Event()
        e.eventID = "id-" + String(UInt64.random(in: 0...UInt64.max, using: &rng)) + string()
        e.schemaVersion = 1
        let probe = Probe.allCases.randomElement(using: &rng)!
        e.probe = probe.rawValue
        e.host = string()
        e.timeNs = u64(); e.ktimeNs = u64()
        e.pid = u32(); e.tid = u32(); e.ppid = u32(); e.uid = u32(); e.gid = u32()
        e.user = string(); e.comm = string()
        e.cgroupID = u64(); e.containerID = string(); e.containerRuntime = string()
        e.ret = i64(); e.latencyNs = u64()
        switch probe {
        case .execve:
            var d = ExecDetail()
            d.filename = string()
            d.argv = (0..<Int.random(in: 0...5, using: &rng)).map { _ in string() }
            d.argvTruncated = Bool.random(using: &rng); d.dirfd = i32(); d.flags = u32(); d.syscall = string()
            d.resolvedPath = string(); d.resolvedLexical = Bool.random(using: &rng); d.resolvedTruncated = Bool.random(using: &rng)
            d.exeUnlinked = Bool.random(using: &rng); d.exeMemfd = Bool.random(using: &rng)
            e.exec = d
        case .open:
            var d = OpenDetail()
            d.syscall = string(); d.path = string(); d.pathTruncated = Bool.random(using: &rng); d.dirfd = i32()
            d.flags = [0, 0o1, 0o100, 0o2000000, 0o20200000, u32()].randomElement(using: &rng)!
            d.mode = [0, 0o644, 0o4755, u32()].randomElement(using: &rng)!
            d.resolve = u64() & 0x3f; d.fd = i32()
            d.resolvedPath = string(); d.resolvedLexical = Bool.random(using: &rng); d.resolvedTruncated = Bool.random(using: &rng)
            e.open = d
        case .chmod:
            var d = ChmodDetail()
            d.syscall = ["chmod", "fchmod", "fchmodat", "fchmodat2", string()].randomElement(using: &rng)!
            d.path = string(); d.pathTruncated = Bool.random(using: &rng); d.fd = i32(); d.mode = u32()
            d.flags = [0, 0x100, 0x1000, u32()].randomElement(using: &rng)!
            d.resolvedPath = string(); d.resolvedLexical = Bool.random(using: &rng); d.resolvedTruncated = Bool.random(using: &rng)
            e.chmod = d
        case .connect, .accept:
            var d = SocketDetail()
            d.syscall = ["connect", "accept", "accept4", string()].randomElement(using: &rng)!
            d.family = [0, 1, 2, 10, u32()].randomElement(using: &rng)!
            d.sockType = [0, 1, 2, 3, 0x80801, u32()].randomElement(using: &rng)!
            d.protocol = [0, 6, 17, 136, u32()].randomElement(using: &rng)!
            d.localAddr = addr(); d.localPort = [0, 22, 443, 9092, 65535, u32()].randomElement(using: &rng)!
            d.remoteAddr = addr(); d.remotePort = [0, 53, 123, 443, u32()].randomElement(using: &rng)!
            d.unixPath = string(); d.fd = i32(); d.newFd = i32(); d.flags = u32()
            e.socket = d
        case .exit:
            var d = ExitDetail()
            d.exitCode = i32(); d.signal = i32(); d.coreDumped = Bool.random(using: &rng)
            e.exit = d
        case .ptrace:
            var d = PtraceDetail()
            d.request = i64(); d.targetPid = u32(); d.addr = u64(); d.data = u64()
            e.ptrace = d
        case .mount:
            var d = MountDetail()
            d.syscall = string(); d.source = string(); d.target = string(); d.fsType = string(); d.flags = u64()
            e.mount = d
        case .setid:
            var d = SetidDetail()
            d.syscall = string()
            d.oldUid = u32(); d.oldEuid = u32(); d.oldSuid = u32(); d.oldGid = u32(); d.oldEgid = u32(); d.oldSgid = u32()
            d.newReal = i64(); d.newEffective = i64(); d.newSaved = i64()
            d.capEffective = u64(); d.capPermitted = u64(); d.capInheritable = u64()
            d.oldCapEffective = u64(); d.oldCapPermitted = u64()
            e.setid = d
        case .dup:
            var d = DupDetail()
            d.syscall = ["dup", "dup2", "dup3", "fcntl", string()].randomElement(using: &rng)!
            d.oldfd = i32(); d.newfd = [0, 1, 2, i32()].randomElement(using: &rng)!
            d.flags = [0, 0o2000000, u32()].randomElement(using: &rng)!
            d.family = [1, 2, 10, u32()].randomElement(using: &rng)!
            d.sockType = [1, 2, 3, u32()].randomElement(using: &rng)!
            d.protocol = [0, 6, 17, u32()].randomElement(using: &rng)!
            d.localAddr = addr(); d.localPort = [0, 4444, 65535, u32()].randomElement(using: &rng)!
            d.remoteAddr = addr(); d.remotePort = [0, 443, 4444, u32()].randomElement(using: &rng)!
            d.unixPath = string()
            e.dup = d
        case .socket:
            var d = SocketCreateDetail()
            d.family = [2, 10, 16, 17, u32()].randomElement(using: &rng)!
            d.sockType = [1, 2, 3, 10, u32()].randomElement(using: &rng)!
            d.protocol = [0, 6, 17, 255, 0x0300, u32()].randomElement(using: &rng)!
            d.nonblock = Bool.random(using: &rng); d.cloexec = Bool.random(using: &rng)
            e.socketCreate = d
        case .link:
            var d = LinkDetail()
            d.syscall = ["symlink", "symlinkat", "linkat", "unlinkat", "renameat2", string()].randomElement(using: &rng)!
            d.path = string(); d.pathTruncated = Bool.random(using: &rng)
            d.oldPath = string(); d.oldPathTruncated = Bool.random(using: &rng)
            d.dirfd = [-100, 3, i32()].randomElement(using: &rng)!; d.oldDirfd = [-100, 4, i32()].randomElement(using: &rng)!
            d.flags = [0, 0x200, 0x400, 1, 2, u32()].randomElement(using: &rng)!
            d.resolvedPath = string(); d.resolvedLexical = Bool.random(using: &rng); d.resolvedTruncated = Bool.random(using: &rng)
            d.oldResolvedPath = string(); d.oldResolvedLexical = Bool.random(using: &rng)
            d.oldResolvedTruncated = Bool.random(using: &rng)
            e.link = d
        case .bind:
            var d = BindDetail()
            d.syscall = ["bind", "listen", string()].randomElement(using: &rng)!
            d.fd = i32()
            d.family = [2, 10, 17, u32()].randomElement(using: &rng)!
            d.sockType = [1, 2, 3, u32()].randomElement(using: &rng)!
            d.protocol = [0, 6, 17, u32()].randomElement(using: &rng)!
            d.addr = addr(); d.port = [0, 22, 4444, 65535, u32()].randomElement(using: &rng)!
            d.backlog = [0, -1, 128, 4096, i32()].randomElement(using: &rng)!
            e.bind = d
        case .sendto:
            var d = SendtoDetail()
            d.syscall = ["sendto", "sendmsg", "sendmmsg", string()].randomElement(using: &rng)!
            d.fd = i32()
            d.family = [2, 10, u32()].randomElement(using: &rng)!
            d.sockType = [2, 3, u32()].randomElement(using: &rng)!
            d.protocol = [0, 17, 1, u32()].randomElement(using: &rng)!
            d.remoteAddr = addr(); d.remotePort = [0, 53, 123, 4444, u32()].randomElement(using: &rng)!
            d.localAddr = addr(); d.localPort = [0, 40_000, u32()].randomElement(using: &rng)!
            d.flags = [0, 0x40, 0x4000, u32()].randomElement(using: &rng)!
            d.count = [1, 2, 1024, u32()].randomElement(using: &rng)!
            e.sendto = d
        case .kernel:
            var d = KernelDetail()
            d.syscall = ["init_module", "finit_module", "bpf", string()].randomElement(using: &rng)!
            d.fd = i32()
            d.resolvedPath = ["", "/lib/modules/6.18/kernel/fs/x.ko", string()].randomElement(using: &rng)!
            d.resolvedTruncated = Bool.random(using: &rng)
            d.moduleFlags = [0, 1, 2, 4, u32()].randomElement(using: &rng)!
            d.imageLen = [0, 4096, u64()].randomElement(using: &rng)!
            d.params = ["", "debug=1", string()].randomElement(using: &rng)!
            d.paramsTruncated = Bool.random(using: &rng)
            d.progType = [0, 1, 2, 26, u32()].randomElement(using: &rng)!
            d.insnCnt = [0, 2, 4096, u32()].randomElement(using: &rng)!
            d.expectedAttachType = [0, 24, u32()].randomElement(using: &rng)!
            d.progFlags = [0, 1, u32()].randomElement(using: &rng)!
            d.progName = ["", "tp_enter_bpf", string()].randomElement(using: &rng)!
            e.kernel = d
        }
        if Bool.random(using: &rng) {
            var p = ProcessContext()
            p.execID = string(); p.parentExecID = string(); p.exe = string(); p.cwd = string()
            p.startBootNs = u64()
            p.ancestors = (0..<Int.random(in: 0...4, using: &rng)).map { _ in
                var a = Ancestor()
                a.pid = u32(); a.comm = string(); a.exe = string(); a.execID = string()
                return a
            }
            e.process = p
        }
        if Bool.random(using: &rng) {
            var c = ContainerContext()
            c.name = string(); c.image = string(); c.podName = string(); c.podNamespace = string(); c.podUid = string()
            for _ in 0..<Int.random(in: 0...4, using: &rng) { c.labels[string()] = string() }
            e.container = c
        }
        if Int.random(in: 0..<3, using: &rng) == 0 {
            var x = Enrichment()
            x.timeIso8601 = string(); x.latencyMs = [0, 1.5, -0.0, .infinity, Double(u32())].randomElement(using: &rng)!
            x.errnoName = string(); x.enrichedBy = string(); x.flagsText = string(); x.modeText = string()
            x.familyName = string(); x.protocolName = string(); x.localIp = string(); x.remoteIp = string()
            x.service = string(); x.remoteHostname = string(); x.sensitive = Bool.random(using: &rng)
            e.enriched = x
        }
        return e
    }

    /// A raw event as the agent sends it: valid, without `enriched`.
    public mutating func rawEvent() -> Event {
        var e = event()
        e.clearEnriched()
        return e
    }
}
