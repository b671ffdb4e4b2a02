import InfraSightCore
@testable import InfraSightDetect

/// Builds contract-valid events for the engine tests, and runs them through an engine.
enum DetectTestEvents {
    static var counter = 0

    static func base(_ probe: Probe, pid: UInt32 = 4242, comm: String = "cat", timeNs: UInt64 = 1_700_000_000_000_000_000,
                     cwd: String = "/", exe: String = "/usr/bin/cat", uid: UInt32 = 0, parentComm: String = "bash") -> Event {
        counter += 1
        var e = Event()
        e.eventID = "evt-\(counter)"
        e.schemaVersion = 1
        e.probe = probe.rawValue
        e.host = "node-a"
        e.timeNs = timeNs
        e.ktimeNs = 1
        e.pid = pid
        e.tid = pid
        e.ppid = 1
        e.uid = uid
        e.user = uid == 0 ? "root" : "nobody"
        e.comm = comm
        var process = ProcessContext()
        process.execID = "exec-\(pid)"
        process.exe = exe
        process.cwd = cwd
        var parent = Ancestor()
        parent.pid = 1
        parent.comm = parentComm
        parent.exe = "/usr/bin/\(parentComm)"
        process.ancestors = [parent]
        e.process = process
        return e
    }

    static func open(_ path: String, flags: UInt32 = 0, ret: Int64 = 3, pid: UInt32 = 4242, comm: String = "cat",
                     cwd: String = "/", timeNs: UInt64 = 1_700_000_000_000_000_000) -> Event {
        var e = base(.open, pid: pid, comm: comm, timeNs: timeNs, cwd: cwd)
        var d = OpenDetail()
        d.syscall = "openat"
        d.path = path
        d.dirfd = -100
        d.flags = flags
        d.fd = Int32(ret)
        e.open = d
        e.ret = ret
        return e
    }

    static func chmod(_ path: String, mode: UInt32, pid: UInt32 = 4242, timeNs: UInt64 = 1_700_000_000_000_000_000) -> Event {
        var e = base(.chmod, pid: pid, comm: "chmod", timeNs: timeNs)
        var d = ChmodDetail()
        d.syscall = "fchmodat"
        d.path = path
        d.fd = -100
        d.mode = mode
        e.chmod = d
        return e
    }

    static func exec(_ filename: String, argv: [String], pid: UInt32 = 4242, comm: String? = nil, parentComm: String = "bash",
                     cwd: String = "/", timeNs: UInt64 = 1_700_000_000_000_000_000) -> Event {
        let name = comm ?? String((filename.split(separator: "/").last ?? "x").prefix(15))
        var e = base(.execve, pid: pid, comm: name, timeNs: timeNs, cwd: cwd, exe: filename.hasPrefix("/") ? filename : cwd + "/" + filename,
                     parentComm: parentComm)
        var d = ExecDetail()
        d.syscall = "execve"
        d.filename = filename
        d.argv = argv
        e.exec = d
        return e
    }

    /// Runs `events` in order through `engine`, returning every alert raised.
    static func run(_ engine: DetectionEngine, _ events: [Event], partition: Int32 = 0) throws -> [RaisedAlert] {
        var out: [RaisedAlert] = []
        for (i, e) in events.enumerated() {
            let bytes = try EventCodec.encode(e)
            try bytes.withUnsafeBytes { raw in
                let view = try EventView(validating: raw)
                engine.process(view, probe: view.probeKind!, at: InputPosition(topic: "infrasight.events.\(e.probe)", partition: partition, offset: Int64(i)),
                               into: &out)
            }
        }
        return out
    }
}
