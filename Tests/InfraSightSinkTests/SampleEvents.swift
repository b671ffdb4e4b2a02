import InfraSightCore

/// Events with awkward values for schema and encoding tests.
enum SampleEvents {
    static func exec(id: String, timeNs: UInt64, argv: [String], ret: Int64 = 0, errno: String = "",
                     labels: [String: String] = [:]) -> Event {
        var e = Event()
        e.eventID = id
        e.schemaVersion = 1
        e.probe = "execve"
        e.host = "node-a"
        e.timeNs = timeNs
        e.ktimeNs = 123_456_789
        e.pid = 4242
        e.tid = 4243
        e.ppid = 1
        e.uid = 1000
        e.user = "alice"
        e.gid = 100
        e.comm = "bash"
        e.cgroupID = 9_876_543_210
        e.containerID = String(repeating: "ab", count: 32)
        e.containerRuntime = "containerd"
        e.container.labels = labels
        e.ret = ret
        e.latencyNs = 1_234_567
        var d = ExecDetail()
        d.filename = argv.first ?? ""
        d.argv = argv
        d.argvTruncated = argv.count > 3
        e.exec = d
        e.enriched.latencyMs = 1.234567
        e.enriched.errnoName = errno
        e.enriched.enrichedBy = "worker:1"
        e.enriched.timeIso8601 = "ignored"
        return e
    }

    static let all: [Event] = [
        exec(id: "11111111-1111-8111-8111-111111111111", timeNs: 1_795_000_000_123_456_789, argv: ["/bin/ls", "-la", "/tmp"],
             labels: ["io.kubernetes.pod.name": "web-0", "app": "web", "team": "infra"]),
        exec(id: "22222222-2222-8222-8222-222222222222", timeNs: 1_795_000_001_000_000_001,
             argv: ["/nonexistent", "tab\there", "new\nline", "ünïcødé ✓", ""], ret: -2, errno: "ENOENT",
             labels: ["quote'\"key": "tab\tvalue", "ünï": ""]),
        exec(id: "33333333-3333-8333-8333-333333333333", timeNs: 1_795_000_002_999_999_999, argv: []),
    ]
}

extension SampleEvents {
    /// A setid event: setresuid(-1, 0, -1) from uid 65534 (or capset when `capset`), for the setid_events row tests.
    static func setid(capset: Bool = false) -> Event {
        var e = all[0]
        e.probe = "setid"
        var d = SetidDetail()
        d.syscall = capset ? "capset" : "setresuid"
        d.oldUid = 65534; d.oldEuid = 0; d.oldSuid = 0; d.oldGid = 65534; d.oldEgid = 65534; d.oldSgid = 65534
        d.newReal = -1; d.newEffective = capset ? -1 : 0; d.newSaved = -1
        if capset { d.capEffective = 1 << 21; d.capPermitted = 1 << 40 | 1 << 21; d.oldCapPermitted = 1 << 40 | 1 << 21 }
        e.setid = d
        if capset { e.eventID += "-capset" }
        return e
    }
}

extension SampleEvents {
    /// A link event: renameat2 of a relative name (dirfd 5) to an absolute one, or a symlink to /etc/shadow
    /// (failed, -17) when `symlink`, for the link_events row tests.
    static func link(symlink: Bool = false) -> Event {
        var e = all[0]
        e.probe = "link"
        var d = LinkDetail()
        if symlink {
            d.syscall = "symlinkat"; d.path = "s"; d.oldPath = "../etc/shadow"; d.dirfd = 3; d.oldDirfd = -100
            d.resolvedPath = "/tmp/s"; d.oldResolvedPath = "/etc/shadow"; d.oldResolvedTruncated = true
            e.ret = -17
            e.enriched.sensitive = true
            e.eventID += "-symlink"
        } else {
            d.syscall = "renameat2"; d.path = "/var/log/x.1"; d.oldPath = "x"; d.dirfd = -100; d.oldDirfd = 5; d.flags = 1
            d.resolvedPath = "/var/log/x.1"; d.oldResolvedPath = "/var/log/x"; d.pathTruncated = true
        }
        d.resolvedLexical = true; d.oldResolvedLexical = true
        e.link = d
        return e
    }
}
