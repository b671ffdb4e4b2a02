import CEventLayout
import Foundation
@testable import InfraSightAgent
import InfraSightTestSupport
import XCTest

/// Fuzzes what the agent parses from outside its own code: raw BPF ring-buffer records (the exec
/// decoder and the all-probes record decoder), cgroup paths from /proc and passwd files from hosts
/// and container images. Valid inputs must decode exactly; anything else must be bounded or rejected.
final class FuzzDecoderTests: XCTestCase {
    static func put<T>(_ v: T, _ o: Int, in b: inout [UInt8]) {
        withUnsafeBytes(of: v) { for (i, x) in $0.enumerated() where o + i < b.count { b[o + i] = x } }
    }
    static func putString(_ s: String, _ o: Int, in b: inout [UInt8]) {
        for (i, c) in s.utf8.enumerated() where o + i < b.count { b[o + i] = c }
    }

    /// A well-formed exec record with exactly these fields.
    static func execRecord(filename: String, argv: [String], comm: String) -> [UInt8] {
        let joined: [UInt8] = argv.flatMap { Array($0.utf8) + [UInt8(0)] }
        var b = [UInt8](repeating: 0, count: ExecEventDecoder.headerSize + joined.count)
        put(ExecEventDecoder.version, 0, in: &b); put(ExecEventDecoder.kindExec, 2, in: &b)
        put(UInt64(1_000), 8, in: &b); put(UInt64(2_000), 16, in: &b); put(Int64(0), 24, in: &b)
        put(UInt64(77), 32, in: &b); put(UInt32(100), 40, in: &b); put(UInt32(100), 44, in: &b); put(UInt32(1), 48, in: &b)
        put(UInt32(1000), 52, in: &b); put(UInt32(1000), 56, in: &b); put(UInt32(argv.count), 60, in: &b)
        put(UInt32(filename.utf8.count), 64, in: &b); put(UInt32(joined.count), 68, in: &b)
        putString(comm, 72, in: &b); putString(filename, 88, in: &b)
        for (i, x) in joined.enumerated() { b[ExecEventDecoder.headerSize + i] = x }
        return b
    }

    static let execSamples: [(String, [String], String)] = [
        ("/bin/echo", ["echo", "hello", "ünïcode", ""], "echo"),
        ("/usr/bin/env", ["env"], "env"),
        ("/x", [], "x"),
        ("/bin/sh", ["sh", "-c", String(repeating: "a", count: 900)], "sh"),
    ]

    func testFuzzExecEventDecoder() throws {
        typealias D = ExecEventDecoder
        for (f, a, c) in Self.execSamples {
            let e = try D.decode(Self.execRecord(filename: f, argv: a, comm: c))
            XCTAssertEqual([e.filename, e.comm], [f, c]); XCTAssertEqual(e.argv, a); XCTAssertFalse(e.argvTruncated)
        }
        let seeds = Self.execSamples.map { Self.execRecord(filename: $0.0, argv: $0.1, comm: $0.2) }
        FuzzKit.run("exec-event", seeds: seeds, maxLength: D.maxRecordSize + 64) { input in
            let e: KernelExecEvent
            do { e = try D.decode(input) } catch is ExecEventDecodeError { return nil } catch { return "unexpected error \(error)" }
            if input.count < D.headerSize { return "decoded a record shorter than the header" }
            // Bounds: every string is at most its capacity in bytes of input (one scalar per input byte at most).
            if e.filename.unicodeScalars.count > D.filenameCapacity { return "filename over capacity" }
            if e.comm.unicodeScalars.count > D.commCapacity { return "comm over capacity" }
            if e.argv.count > D.maxArgs { return "\(e.argv.count) args > \(D.maxArgs)" }
            let argvScalars = e.argv.reduce(0) { $0 + $1.unicodeScalars.count + 1 }
            if argvScalars > D.maxArgvBytes + 1 { return "argv \(argvScalars) scalars > \(D.maxArgvBytes)" }
            if e.argv.contains(where: { $0.utf8.contains(0) }) { return "NUL inside an argument" }
            return nil
        }
    }

    /// Well-formed records of every non-exec kind.
    static func kernelSeeds() -> [[UInt8]] {
        typealias D = KernelRecordDecoder
        func record(_ kind: UInt16, _ size: Int, _ syscall: UInt32) -> [UInt8] {
            var b = [UInt8](repeating: 0, count: size)
            put(D.version, 0, in: &b); put(kind, 2, in: &b); put(UInt64(5), 8, in: &b); put(UInt32(42), 40, in: &b)
            put(syscall, 60, in: &b); putString("comm", 64, in: &b)
            return b
        }
        var open = record(D.kindOpen, MemoryLayout<infrasight_open_event>.size, 2)
        put(UInt32(11), D.openPathLen, in: &open); putString("/etc/shadow", D.openPath, in: &open)
        var chmod = record(D.kindChmod, MemoryLayout<infrasight_chmod_event>.size, 4)
        put(UInt32(0o4755), D.chmodMode, in: &chmod); put(UInt32(4), D.chmodPathLen, in: &chmod); putString("/tmp", D.chmodPath, in: &chmod)
        var sock4 = record(D.kindSocket, MemoryLayout<infrasight_socket_event>.size, 8)
        put(UInt16(2), D.sockFamily, in: &sock4); put(UInt16(443), D.sockRemotePort, in: &sock4)
        for (i, x) in [UInt8]([10, 0, 0, 1]).enumerated() { sock4[D.sockRemoteAddr + i] = x }
        var sockUnix = record(D.kindSocket, MemoryLayout<infrasight_socket_event>.size, 9)
        put(UInt16(1), D.sockFamily, in: &sockUnix); put(UInt16(9), D.sockUnixLen, in: &sockUnix)
        sockUnix[D.sockUnixPath] = 0; putString("abstract", D.sockUnixPath + 1, in: &sockUnix)
        var exit = record(D.kindExit, MemoryLayout<infrasight_exit_event>.size, 0)
        put(UInt32(0x100), D.exitStatus, in: &exit)
        var ptrace = record(D.kindPtrace, MemoryLayout<infrasight_ptrace_event>.size, 11)
        put(Int64(16), D.ptraceRequest, in: &ptrace); put(UInt32(7), D.ptraceTarget, in: &ptrace)
        var mount = record(D.kindMount, MemoryLayout<infrasight_mount_event>.size, 12)
        put(UInt32(9), D.mountSourceLen, in: &mount); putString("/dev/sda1", D.mountSource, in: &mount)
        put(UInt32(4), D.mountTargetLen, in: &mount); putString("/mnt", D.mountTarget, in: &mount)
        put(UInt32(4), D.mountFsTypeLen, in: &mount); putString("ext4", D.mountFsType, in: &mount)
        var setid = record(D.kindSetid, MemoryLayout<infrasight_setid_event>.size, KernelSyscall.setresuid.rawValue)
        put(UInt32(1000), D.setidOldIds, in: &setid); put(UInt32.max, D.setidNewIds, in: &setid)
        put(UInt32(0), D.setidNewIds + 4, in: &setid); put(UInt32.max, D.setidNewIds + 8, in: &setid)
        var dup6 = record(D.kindDup, MemoryLayout<infrasight_socket_event>.size, KernelSyscall.dup2.rawValue)
        put(UInt16(10), D.sockFamily, in: &dup6); put(Int32(3), D.sockFd, in: &dup6); put(Int32(0), D.sockNewFd, in: &dup6)
        put(UInt16(4444), D.sockRemotePort, in: &dup6); dup6[D.sockRemoteAddr + 15] = 1
        var socketCreate = record(D.kindSocketCreate, MemoryLayout<infrasight_socket_event>.size, KernelSyscall.socket.rawValue)
        put(UInt16(17), D.sockFamily, in: &socketCreate); put(UInt16(3), D.sockType, in: &socketCreate)
        put(UInt32(0o2004000), D.sockFlags, in: &socketCreate)
        var link = record(D.kindLink, MemoryLayout<infrasight_link_event>.size, KernelSyscall.linkat.rawValue)
        put(UInt32(1 << 19), 4, in: &link); put(UInt32(1 << 19), D.linkOldFlags, in: &link)
        put(UInt32(6), D.linkPathLen, in: &link); putString("x/../y", D.linkPath, in: &link)
        put(UInt32(11), D.linkOldPathLen, in: &link); putString("/etc/shadow", D.linkOldPath, in: &link)
        put(UInt32(4), D.linkResolvedLen, in: &link); putString("/tmp", D.linkResolved, in: &link)
        var listen = record(D.kindBind, MemoryLayout<infrasight_socket_event>.size, KernelSyscall.listen.rawValue)
        put(UInt16(2), D.sockFamily, in: &listen); put(Int32(3), D.sockFd, in: &listen); put(Int32(128), D.sockNewFd, in: &listen)
        put(UInt16(4444), D.sockLocalPort, in: &listen)
        var sendto = record(D.kindSendto, MemoryLayout<infrasight_socket_event>.size, KernelSyscall.sendto.rawValue)
        put(UInt16(10), D.sockFamily, in: &sendto); put(Int32(1), D.sockNewFd, in: &sendto); put(UInt16(53), D.sockRemotePort, in: &sendto)
        var finit = record(D.kindKernel, MemoryLayout<infrasight_kernel_event>.size, KernelSyscall.finitModule.rawValue)
        put(UInt32(1 << 18), 4, in: &finit); put(Int32(3), D.kernelFd, in: &finit); put(UInt32(2), D.kernelModuleFlags, in: &finit)
        put(UInt32(7), D.kernelParamsLen, in: &finit); putString("debug=1", D.kernelParams, in: &finit)
        put(UInt32(9), D.kernelResolvedLen, in: &finit); putString("/tmp/x.ko", D.kernelResolved, in: &finit)
        var bpf = record(D.kindKernel, MemoryLayout<infrasight_kernel_event>.size, KernelSyscall.bpf.rawValue)
        put(Int32(-1), D.kernelFd, in: &bpf); put(UInt32(1), D.kernelProgType, in: &bpf); put(UInt32(2), D.kernelInsnCnt, in: &bpf)
        putString("filter", D.kernelProgName, in: &bpf)
        return [open, chmod, sock4, sockUnix, exit, ptrace, mount,
                execRecord(filename: "/bin/true", argv: ["true"], comm: "true"), setid, dup6, socketCreate, link, listen, sendto,
                finit, bpf]
    }

    func testFuzzKernelRecordDecoder() throws {
        typealias D = KernelRecordDecoder
        let seeds = Self.kernelSeeds()
        // Valid inputs decode to what was written.
        guard case .open(let o) = try D.decode(seeds[0]) else { return XCTFail("open seed") }
        XCTAssertEqual(o.path, "/etc/shadow"); XCTAssertEqual(o.common.pid, 42); XCTAssertEqual(o.common.comm, "comm")
        guard case .socket(let s) = try D.decode(seeds[3]) else { return XCTFail("unix socket seed") }
        XCTAssertEqual(s.unixPath, "@abstract")
        guard case .mount(let m) = try D.decode(seeds[6]) else { return XCTFail("mount seed") }
        XCTAssertEqual([m.source, m.target, m.fsType], ["/dev/sda1", "/mnt", "ext4"]); XCTAssertFalse(m.truncated)
        guard case .setid(let u) = try D.decode(seeds[8]) else { return XCTFail("setid seed") }
        XCTAssertEqual([u.newReal, u.newEffective, u.newSaved], [-1, 0, -1]); XCTAssertEqual(u.oldUid, 1000)

        guard case .link(let l) = try D.decode(seeds[11]) else { return XCTFail("link seed") }
        XCTAssertEqual([l.resolved.path, l.oldResolved.path], ["/tmp/y", "/etc/shadow"])
        guard case .kernel(let f) = try D.decode(seeds[14]), case .kernel(let b) = try D.decode(seeds[15]) else {
            return XCTFail("kernel seeds")
        }
        XCTAssertEqual([f.resolved.path, f.params, b.progName], ["/tmp/x.ko", "debug=1", "filter"])

        let maxSize = MemoryLayout<infrasight_link_event>.size + 64
        FuzzKit.run("kernel-record", seeds: seeds, maxLength: maxSize) { input in
            let record: KernelRecord
            do { record = try D.decode(input) } catch is RecordDecodeError { return nil } catch { return "unexpected error \(error)" }
            func path(_ s: String, _ cap: Int, _ what: String) -> String? {
                s.unicodeScalars.count > cap ? "\(what) over capacity \(cap)" : nil
            }
            switch record {
            case .exec(let e):
                if e.argv.count > ExecEventDecoder.maxArgs { return "too many args" }
                return path(e.filename, ExecEventDecoder.filenameCapacity, "exec filename")
            case .open(let e):
                return path(e.path, D.pathCapacity, "open path") ?? path(e.common.comm, D.commCapacity, "comm")
            case .chmod(let e):
                return path(e.path, D.pathCapacity, "chmod path")
            case .socket(let e):
                if ![0, 4, 16].contains(e.localAddr.count) || e.localAddr.count != e.remoteAddr.count { return "address length" }
                return path(e.unixPath, D.unixPathCapacity + 1, "unix path")
            case .dup(let e):
                if ![0, 4, 16].contains(e.localAddr.count) || e.localAddr.count != e.remoteAddr.count { return "address length" }
                return path(e.unixPath, D.unixPathCapacity + 1, "dup unix path")
            case .socketCreate(let e):
                return path(e.common.comm, D.commCapacity, "comm")
            case .link(let e):
                return path(e.path, D.pathCapacity, "link path") ?? path(e.oldPath, D.pathCapacity, "link old path")
            case .sendto(let e):
                if ![0, 4, 16].contains(e.remoteAddr.count) || e.localAddr.count != e.remoteAddr.count { return "sendto address length" }
                return path(e.common.comm, D.commCapacity, "comm")
            case .kernel(let e):
                // Each syscall carries only its own strings, each within its capacity.
                if e.syscall == .bpf && (!e.params.isEmpty || !e.resolved.path.isEmpty) { return "bpf with module fields" }
                if e.syscall != .bpf && !e.progName.isEmpty { return "module load with a program name" }
                if e.syscall == .initModule && !e.resolved.path.isEmpty { return "init_module with a path" }
                return path(e.params, D.paramsCapacity, "params") ?? path(e.progName, D.progNameCapacity, "prog name")
                    ?? path(e.resolved.path, D.pathCapacity, "module path")
            case .bind(let e):
                if ![0, 4, 16].contains(e.addr.count) { return "bind address length" }
                if e.syscall == .bind && e.backlog != 0 { return "bind with a backlog" }
                return path(e.common.comm, D.commCapacity, "comm")
            case .mount(let e):
                return path(e.source, D.pathCapacity, "mount source") ?? path(e.target, D.pathCapacity, "mount target")
                    ?? path(e.fsType, D.fsTypeCapacity, "fs type")
            case .setid(let e):
                // A requested id is -1 or a 32-bit id; never any other negative number.
                for id in [e.newReal, e.newEffective, e.newSaved] where id < -1 || id > Int64(UInt32.max) - 1 {
                    return "requested id \(id) out of range"
                }
                return path(e.common.comm, D.commCapacity, "comm")
            default:
                return nil
            }
        }
    }

    static let cgroupSeeds: [String] = [
        "/docker/" + String(repeating: "a1", count: 32),
        "0::/system.slice/docker-" + String(repeating: "0f", count: 32) + ".scope",
        "/kubepods/burstable/pod0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0/" + String(repeating: "b2", count: 32),
        "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0.slice/cri-containerd-"
            + String(repeating: "c3", count: 32) + ".scope",
        "/machine.slice/libpod-" + String(repeating: "d4", count: 32) + ".scope/container",
        "/system.slice/crio-conmon-" + String(repeating: "e5", count: 32) + ".scope",
        "4:memory:/user.slice/user-1000.slice/session-3.scope",
    ]

    func testFuzzCgroupContainerParser() {
        XCTAssertEqual(CgroupContainerParser.parse(Self.cgroupSeeds[0])?.runtime, "docker")
        XCTAssertEqual(CgroupContainerParser.parse(Self.cgroupSeeds[0])?.id, String(repeating: "a1", count: 32))
        XCTAssertNil(CgroupContainerParser.parse(Self.cgroupSeeds[5]), "conmon is not a container")
        let hex = Set("0123456789abcdef".unicodeScalars)
        FuzzKit.run("cgroup-path", seeds: Self.cgroupSeeds.map { Array($0.utf8) },
                    maxLength: CgroupContainerParser.maxPathLength + 16) { input in
            let text = String(decoding: input, as: UTF8.self)
            guard let id = CgroupContainerParser.parse(text) else { return nil }
            if text.utf8.count > CgroupContainerParser.maxPathLength { return "over-long path accepted" }
            if id.id.unicodeScalars.count != 64 || !id.id.unicodeScalars.allSatisfy(hex.contains) { return "bad container id \(id.id)" }
            if !["docker", "containerd", "cri-o", "podman"].contains(id.runtime) { return "bad runtime \(id.runtime)" }
            if let pod = id.podUID, pod.utf8.count > 36 { return "pod uid too long: \(pod)" }
            return nil
        }
    }

    static let passwdSeed = """
        root:x:0:0:root:/root:/bin/bash
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        # comment
        +nisuser::::::
        nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\r
        dup:x:0:0::/:/bin/sh
        bad:x:notanumber:0::/:/bin/sh
        """

    func testFuzzPasswdParser() {
        let table = PasswdParser.parse(Self.passwdSeed)
        XCTAssertEqual(table, [0: "root", 1: "daemon", 65534: "nobody"])
        // Round trip: a generated table written as a passwd file parses back to itself.
        var rng = FuzzRNG(state: FuzzKit.seed)
        var generated: [UInt32: String] = [:]
        for i in 0..<200 { generated[UInt32.random(in: 0...UInt32.max, using: &rng)] = "user\(i)_\(UInt16.random(in: 0...9999, using: &rng))" }
        let file = generated.map { "\($0.value):x:\($0.key):0:gecos:/home/\($0.value):/bin/sh" }.joined(separator: "\n")
        XCTAssertEqual(PasswdParser.parse(file), generated)

        FuzzKit.run("passwd", seeds: [Array(Self.passwdSeed.utf8), Array(file.prefix(2000).utf8)], maxLength: 4096) { input in
            let t = PasswdParser.parse(input, maxEntries: 50)
            if t.count > 50 { return "\(t.count) entries > maxEntries" }
            for name in t.values {
                if name.isEmpty || name.unicodeScalars.count > PasswdParser.maxNameLength { return "bad name length \(name.unicodeScalars.count)" }
                if name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) { return "control character in name" }
                if name.contains(":") || name.contains("\n") { return "separator in name" }
            }
            return nil
        }
    }
}
