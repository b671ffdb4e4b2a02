import Foundation
import InfraSightCore
import XCTest
@testable import InfraSightAgent

/// `EventEncoder` writes event bytes without a generated message: every kind of record must decode
/// (SwiftProtobuf, with the contract's validation) to exactly the event the contract describes.
final class PipelineEventEncoderTests: XCTestCase {
    private let identity = EventIdentity(bootID: "0b6a3f0e-7d0c-4a36-9f53-2f1c4b2e9d11", nodeName: "node-a")
    private let clock = BootClock()

    private func encoder(processes: ProcessCache? = nil) -> EventEncoder {
        EventEncoder(host: "node-a", identity: identity, users: UserNameCache(passwdPath: "/etc/passwd"),
                     containers: nil, clock: clock, processes: processes)
    }

    private func common(pid: UInt32 = 4242, ret: Int64 = 3, uid: UInt32 = 0) -> KernelCommon {
        KernelCommon(bootTimeNs: 123_456_789_012_345, latencyNs: 1_500, ret: ret, cgroupId: 77, pid: pid, tid: pid + 1,
                     ppid: 1, uid: uid, gid: 0, comm: "storm-generator", flags: [])
    }

    /// The common fields every event must carry, checked against the record.
    private func assertCommon(_ e: Event, _ k: KernelCommon, probe: Probe, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(e.eventID, identity.eventID(probe: probe, bootTimeNs: k.bootTimeNs, tid: k.tid), file: file, line: line)
        XCTAssertEqual(e.schemaVersion, EventCodec.schemaVersion, file: file, line: line)
        XCTAssertEqual(e.probe, probe.rawValue, file: file, line: line)
        XCTAssertEqual(e.host, "node-a", file: file, line: line)
        XCTAssertEqual(e.timeNs, clock.wallClockNanos(fromBootNanos: k.bootTimeNs), file: file, line: line)
        XCTAssertEqual(e.ktimeNs, k.bootTimeNs, file: file, line: line)
        XCTAssertEqual([e.pid, e.tid, e.ppid, e.uid, e.gid], [k.pid, k.tid, k.ppid, k.uid, k.gid], file: file, line: line)
        XCTAssertEqual(e.user, UserNameCache(passwdPath: "/etc/passwd").name(for: k.uid) ?? "", file: file, line: line)
        XCTAssertEqual(e.user, k.uid == 0 ? "root" : e.user, file: file, line: line)
        XCTAssertEqual(e.comm, k.comm, file: file, line: line)
        XCTAssertEqual(e.cgroupID, k.cgroupId, file: file, line: line)
        XCTAssertEqual(e.ret, k.ret, file: file, line: line)
        XCTAssertEqual(e.latencyNs, k.latencyNs, file: file, line: line)
    }

    private func roundTrip(_ record: KernelRecord, with encoder: EventEncoder? = nil) throws -> Event {
        let bytes = (encoder ?? self.encoder()).encode(record)
        return try EventCodec.decode(bytes)
    }

    func testOpenRecord() throws {
        let k = common()
        let open = KernelOpenEvent(common: k, syscall: .openat2, path: "/etc/shadow", pathTruncated: true, dirfd: -100,
                                   flags: 0x1_0000_0241, mode: 0o644, resolve: 8, fd: 3)
        let e = try roundTrip(.open(open))
        assertCommon(e, k, probe: .open)
        XCTAssertEqual(e.open.syscall, "openat2")
        XCTAssertEqual(e.open.path, "/etc/shadow")
        XCTAssertTrue(e.open.pathTruncated)
        XCTAssertEqual(e.open.dirfd, -100, "negative int32 sign-extended on the wire")
        XCTAssertEqual(e.open.flags, 0x241, "flags are the low 32 bits")
        XCTAssertEqual(e.open.mode, 0o644)
        XCTAssertEqual(e.open.resolve, 8)
        XCTAssertEqual(e.open.fd, 3)
    }

    func testFailedOpenKeepsNegativeReturnAndFd() throws {
        let k = common(ret: -2)
        let e = try roundTrip(.open(KernelOpenEvent(common: k, syscall: .openat, path: "", pathTruncated: false,
                                                    dirfd: 0, flags: 0, mode: 0, resolve: 0, fd: -1)))
        XCTAssertEqual(e.ret, -2)
        XCTAssertEqual(e.open.fd, -1)
        XCTAssertEqual(e.open.path, "")
    }

    func testLinkRecord() throws {
        let k = common(ret: -17, uid: 1000)
        let e = try roundTrip(.link(KernelLinkEvent(
            common: k, syscall: .linkat, path: "x", pathTruncated: false, oldPath: "/etc/shadow", oldPathTruncated: true,
            dirfd: 7, oldDirfd: -100, flags: 0x400,
            resolved: ResolvedPath(path: "/tmp/x", lexical: true, truncated: false),
            oldResolved: ResolvedPath(path: "/etc/shadow", lexical: true, truncated: true))))
        assertCommon(e, k, probe: .link)
        XCTAssertEqual([e.link.syscall, e.link.path, e.link.oldPath], ["linkat", "x", "/etc/shadow"])
        XCTAssertFalse(e.link.pathTruncated); XCTAssertTrue(e.link.oldPathTruncated)
        XCTAssertEqual([e.link.dirfd, e.link.oldDirfd], [7, -100]); XCTAssertEqual(e.link.flags, 0x400)
        XCTAssertEqual([e.link.resolvedPath, e.link.oldResolvedPath], ["/tmp/x", "/etc/shadow"])
        XCTAssertTrue(e.link.resolvedLexical); XCTAssertFalse(e.link.resolvedTruncated)
        XCTAssertTrue(e.link.oldResolvedLexical); XCTAssertTrue(e.link.oldResolvedTruncated)
        let bare = try roundTrip(.link(KernelLinkEvent(
            common: k, syscall: .unlink, path: "", pathTruncated: false, oldPath: "", oldPathTruncated: false,
            dirfd: 0, oldDirfd: 0, flags: 0)))
        if case .link? = bare.detail {} else { XCTFail("a link event with every field zero keeps its (empty) detail") }
    }

    func testDupAndSocketCreateRecords() throws {
        let k = common(uid: 1000)
        let dup = try roundTrip(.dup(KernelDupEvent(
            common: k, syscall: .dup2, oldfd: 3, newfd: 0, flags: 0, family: 2, sockType: 1, protocol: 6,
            localAddr: [127, 0, 0, 1], localPort: 40_000, remoteAddr: [10, 0, 0, 9], remotePort: 4444, unixPath: "")))
        assertCommon(dup, k, probe: .dup)
        XCTAssertEqual(dup.dup.syscall, "dup2")
        XCTAssertEqual([dup.dup.oldfd, dup.dup.newfd], [3, 0])
        XCTAssertEqual([dup.dup.family, dup.dup.sockType, dup.dup.protocol, dup.dup.localPort, dup.dup.remotePort], [2, 1, 6, 40_000, 4444])
        XCTAssertEqual(Array(dup.dup.remoteAddr), [10, 0, 0, 9])
        let stdin = try roundTrip(.dup(KernelDupEvent(
            common: k, syscall: .dup3, oldfd: 0, newfd: 0, flags: 0, family: 1, sockType: 1, protocol: 0,
            localAddr: [], localPort: 0, remoteAddr: [], remotePort: 0, unixPath: "")))
        if case .dup? = stdin.detail {} else { XCTFail("a dup with every field zero keeps its (empty) detail") }

        let socket = try roundTrip(.socketCreate(KernelSocketCreateEvent(
            common: k, family: 17, sockType: 3, protocol: 0x0300, nonblock: false, cloexec: true, fd: 5)))
        assertCommon(socket, k, probe: .socket)
        XCTAssertEqual([socket.socketCreate.family, socket.socketCreate.sockType, socket.socketCreate.protocol], [17, 3, 0x0300])
        XCTAssertFalse(socket.socketCreate.nonblock); XCTAssertTrue(socket.socketCreate.cloexec)
    }

    func testKernelReachRecords() throws {
        let k = common(uid: 0)
        let finit = try roundTrip(.kernel(KernelReachEvent(
            common: k, syscall: .finitModule, fd: 3, resolved: ResolvedPath(path: "/tmp/evil.ko", lexical: false, truncated: true),
            moduleFlags: 2, imageLen: 0, params: "a=1", paramsTruncated: true, progType: 0, insnCnt: 0,
            expectedAttachType: 0, progFlags: 0, progName: "")))
        assertCommon(finit, k, probe: .kernel)
        XCTAssertEqual(finit.kernel.syscall, "finit_module"); XCTAssertEqual(finit.kernel.fd, 3)
        XCTAssertEqual(finit.kernel.resolvedPath, "/tmp/evil.ko"); XCTAssertTrue(finit.kernel.resolvedTruncated)
        XCTAssertEqual(finit.kernel.moduleFlags, 2); XCTAssertEqual(finit.kernel.params, "a=1"); XCTAssertTrue(finit.kernel.paramsTruncated)
        let initModule = try roundTrip(.kernel(KernelReachEvent(
            common: k, syscall: .initModule, fd: -1, resolved: .none, moduleFlags: 0, imageLen: 123_456, params: "",
            paramsTruncated: false, progType: 0, insnCnt: 0, expectedAttachType: 0, progFlags: 0, progName: "")))
        XCTAssertEqual(initModule.kernel.syscall, "init_module"); XCTAssertEqual(initModule.kernel.imageLen, 123_456)
        XCTAssertEqual(initModule.kernel.fd, -1)
        let bpf = try roundTrip(.kernel(KernelReachEvent(
            common: k, syscall: .bpf, fd: -1, resolved: .none, moduleFlags: 0, imageLen: 0, params: "", paramsTruncated: false,
            progType: 26, insnCnt: 4096, expectedAttachType: 24, progFlags: 1, progName: "hide_pids")))
        XCTAssertEqual(bpf.kernel.syscall, "bpf")
        XCTAssertEqual([bpf.kernel.progType, bpf.kernel.insnCnt, bpf.kernel.expectedAttachType, bpf.kernel.progFlags], [26, 4096, 24, 1])
        XCTAssertEqual(bpf.kernel.progName, "hide_pids")
    }

    func testBindAndListenRecords() throws {
        let k = common(uid: 33)
        let bind = try roundTrip(.bind(KernelBindEvent(
            common: k, syscall: .bind, fd: 3, family: 2, sockType: 1, protocol: 6, addr: [0, 0, 0, 0], port: 4444, backlog: 0)))
        assertCommon(bind, k, probe: .bind)
        XCTAssertEqual(bind.bind.syscall, "bind")
        XCTAssertEqual([bind.bind.family, bind.bind.sockType, bind.bind.protocol, bind.bind.port], [2, 1, 6, 4444])
        XCTAssertEqual(Array(bind.bind.addr), [0, 0, 0, 0]); XCTAssertEqual(bind.bind.fd, 3); XCTAssertEqual(bind.bind.backlog, 0)
        let listen = try roundTrip(.bind(KernelBindEvent(
            common: k, syscall: .listen, fd: 5, family: 10, sockType: 1, protocol: 6,
            addr: [UInt8](repeating: 0, count: 15) + [1], port: 8080, backlog: -1)))
        XCTAssertEqual(listen.bind.syscall, "listen"); XCTAssertEqual(listen.bind.backlog, -1)
        XCTAssertEqual(listen.bind.addr.count, 16); XCTAssertEqual(listen.bind.port, 8080)
        let empty = try roundTrip(.bind(KernelBindEvent(
            common: k, syscall: .bind, fd: 0, family: 0, sockType: 0, protocol: 0, addr: [], port: 0, backlog: 0)))
        if case .bind? = empty.detail {} else { XCTFail("a bind with every field zero keeps its detail") }
    }

    func testSendtoRecords() throws {
        let k = common(uid: 1000)
        let e = try roundTrip(.sendto(KernelSendtoEvent(
            common: k, syscall: .sendmsg, fd: 4, family: 10, remoteAddr: [UInt8](repeating: 0, count: 15) + [1],
            remotePort: 4444, sockType: 2, protocol: 17, localAddr: [UInt8](repeating: 0, count: 16), localPort: 40_000,
            flags: 0x40, count: 1)))
        assertCommon(e, k, probe: .sendto)
        XCTAssertEqual(e.sendto.syscall, "sendmsg")
        XCTAssertEqual([e.sendto.family, e.sendto.sockType, e.sendto.protocol, e.sendto.remotePort, e.sendto.localPort], [10, 2, 17, 4444, 40_000])
        XCTAssertEqual(e.sendto.remoteAddr.count, 16); XCTAssertEqual(e.sendto.localAddr.count, 16)
        XCTAssertEqual([e.sendto.flags, e.sendto.count], [0x40, 1]); XCTAssertEqual(e.sendto.fd, 4)
        let empty = try roundTrip(.sendto(KernelSendtoEvent(
            common: k, syscall: .sendto, fd: 0, family: 0, remoteAddr: [], remotePort: 0, sockType: 0, protocol: 0,
            localAddr: [], localPort: 0, flags: 0, count: 0)))
        if case .sendto? = empty.detail {} else { XCTFail("a sendto with every field zero keeps its detail") }
    }

    func testChmodSocketExitPtraceMountRecords() throws {
        let k = common(uid: 65534)
        let chmod = try roundTrip(.chmod(KernelChmodEvent(common: k, syscall: .fchmodat2, path: "/tmp/x", pathTruncated: false,
                                                          fd: -100, mode: 0o777, flags: 0x100)))
        assertCommon(chmod, k, probe: .chmod)
        XCTAssertEqual([chmod.chmod.syscall, chmod.chmod.path], ["fchmodat2", "/tmp/x"])
        XCTAssertEqual([chmod.chmod.mode, chmod.chmod.flags], [0o777, 0x100])
        XCTAssertEqual(chmod.chmod.fd, -100)

        let socket = try roundTrip(.socket(KernelSocketEvent(
            common: k, syscall: .accept4, family: 10, sockType: 1, protocol: 6, localAddr: Array(repeating: 0, count: 15) + [1],
            localPort: 8080, remoteAddr: [0xfe, 0x80] + Array(repeating: 0, count: 13) + [2], remotePort: 51_000,
            unixPath: "", fd: 5, newFd: 7, flags: 0x80000)))
        assertCommon(socket, k, probe: .accept)
        XCTAssertEqual(socket.socket.syscall, "accept4")
        XCTAssertEqual([socket.socket.family, socket.socket.sockType, socket.socket.protocol], [10, 1, 6])
        XCTAssertEqual(Array(socket.socket.localAddr), Array(repeating: 0, count: 15) + [1])
        XCTAssertEqual([socket.socket.localPort, socket.socket.remotePort], [8080, 51_000])
        XCTAssertEqual([socket.socket.fd, socket.socket.newFd], [5, 7])
        XCTAssertEqual(socket.socket.flags, 0x80000)
        let connect = try roundTrip(.socket(KernelSocketEvent(
            common: k, syscall: .connect, family: 1, sockType: 1, protocol: 0, localAddr: [], localPort: 0, remoteAddr: [],
            remotePort: 0, unixPath: "@abstract", fd: 4, newFd: -1, flags: 0)))
        assertCommon(connect, k, probe: .connect)
        XCTAssertEqual(connect.socket.unixPath, "@abstract")
        XCTAssertEqual(connect.socket.newFd, -1)

        let exit = try roundTrip(.exit(KernelExitEvent(common: common(ret: 0), exitStatus: 0)))
        XCTAssertEqual(exit.probe, "exit")
        if case .exit? = exit.detail {} else { XCTFail("an exit with code 0 keeps its (empty) detail") }
        let killed = try roundTrip(.exit(KernelExitEvent(common: common(ret: 0), exitStatus: 0x8b)))
        XCTAssertEqual([killed.exit.exitCode, killed.exit.signal], [0, 11])
        XCTAssertTrue(killed.exit.coreDumped)

        let ptrace = try roundTrip(.ptrace(KernelPtraceEvent(common: k, request: 16, targetPid: 99, addr: 0xdead, data: 0xbeef)))
        XCTAssertEqual(ptrace.ptrace.request, 16)
        XCTAssertEqual(ptrace.ptrace.targetPid, 99)
        XCTAssertEqual([ptrace.ptrace.addr, ptrace.ptrace.data], [0xdead, 0xbeef])

        let mount = try roundTrip(.mount(KernelMountEvent(common: k, syscall: .mount, source: "tmpfs", target: "/mnt/x",
                                                          fsType: "tmpfs", flags: 6, truncated: false)))
        XCTAssertEqual([mount.mount.syscall, mount.mount.source, mount.mount.target, mount.mount.fsType],
                       ["mount", "tmpfs", "/mnt/x", "tmpfs"])
        XCTAssertEqual(mount.mount.flags, 6)

        let setid = try roundTrip(.setid(KernelSetidEvent(
            common: k, syscall: .setresuid, oldUid: 1000, oldEuid: 1001, oldSuid: 1002, oldGid: 100, oldEgid: 101, oldSgid: 102,
            newReal: -1, newEffective: 0, newSaved: 4_294_967_294, capEffective: 0, capPermitted: 0, capInheritable: 0,
            oldCapEffective: 0, oldCapPermitted: 0, oldCapInheritable: 0, capVersion: 0, capPid: 0)))
        XCTAssertEqual(setid.probe, "setid")
        XCTAssertEqual(setid.setid.syscall, "setresuid")
        XCTAssertEqual([setid.setid.oldUid, setid.setid.oldEuid, setid.setid.oldSuid], [1000, 1001, 1002])
        XCTAssertEqual([setid.setid.oldGid, setid.setid.oldEgid, setid.setid.oldSgid], [100, 101, 102])
        XCTAssertEqual([setid.setid.newReal, setid.setid.newEffective, setid.setid.newSaved], [-1, 0, 4_294_967_294])
        let capset = try roundTrip(.setid(KernelSetidEvent(
            common: k, syscall: .capset, oldUid: 0, oldEuid: 0, oldSuid: 0, oldGid: 0, oldEgid: 0, oldSgid: 0,
            newReal: -1, newEffective: -1, newSaved: -1, capEffective: 1 << 21, capPermitted: 1 << 40 | 1, capInheritable: 2,
            oldCapEffective: 3, oldCapPermitted: 1 << 41, oldCapInheritable: 0, capVersion: 0x2008_0522, capPid: 0)))
        XCTAssertEqual(capset.setid.syscall, "capset")
        XCTAssertEqual([capset.setid.capEffective, capset.setid.capPermitted, capset.setid.capInheritable], [1 << 21, 1 << 40 | 1, 2])
        XCTAssertEqual([capset.setid.oldCapEffective, capset.setid.oldCapPermitted], [3, 1 << 41])
        XCTAssertEqual([capset.setid.newReal, capset.setid.newEffective, capset.setid.newSaved], [-1, -1, -1])
    }

    func testExecRecordStartsAnExecutionAndCarriesTheProcessContext() throws {
        let processes = ProcessCache(identity: identity)
        let encoder = self.encoder(processes: processes)
        let me = UInt32(getpid())
        let exec = KernelExecEvent(bootTimeNs: 5_000, latencyNs: 10, pid: me, tid: me, ppid: UInt32(getppid()), uid: 0, gid: 0,
                                   cgroupId: 1, ret: 0, comm: "true", filename: "/bin/true", argv: ["true", "", "a b"],
                                   argvTruncated: false, flags: [.execveat])
        let e = try roundTrip(.exec(exec), with: encoder)
        XCTAssertEqual(e.exec.filename, "/bin/true")
        XCTAssertEqual(e.exec.argv, ["true", "", "a b"], "empty argv entries are kept")
        XCTAssertEqual(e.exec.syscall, "execveat")
        XCTAssertEqual(e.process.execID, processes.context(pid: me).execID)
        XCTAssertEqual(e.process.execID, identity.eventID(code: EventIdentity.executionCode, bootTimeNs: 5_000, tid: me))
        XCTAssertEqual(e.process.startBootNs, 5_000)

        // Later events of the process share its execution; the cached context follows a re-exec.
        let open = KernelOpenEvent(common: KernelCommon(bootTimeNs: 6_000, latencyNs: 1, ret: 3, cgroupId: 1, pid: me, tid: me,
                                                        ppid: UInt32(getppid()), uid: 0, gid: 0, comm: "true", flags: []),
                                   syscall: .openat, path: "/x", pathTruncated: false, dirfd: -100, flags: 0, mode: 0, resolve: 0, fd: 3)
        XCTAssertEqual(try roundTrip(.open(open), with: encoder).process.execID, e.process.execID)
        var again = exec
        again.bootTimeNs = 7_000
        let second = try roundTrip(.exec(again), with: encoder)
        XCTAssertNotEqual(second.process.execID, e.process.execID)
        XCTAssertEqual(try roundTrip(.open(open), with: encoder).process.execID, second.process.execID,
                       "the cached context was invalidated by the exec")
    }

    func testKeyIsHostSlashPid() {
        let encoder = self.encoder()
        let key = encoder.encode(.exit(KernelExitEvent(common: common(pid: 987_654), exitStatus: 0))) { _, key in Array(key) }
        XCTAssertEqual(String(decoding: key, as: UTF8.self), "node-a/987654")
    }

    func testTheBufferIsReusedWithoutLeftovers() throws {
        let encoder = self.encoder()
        let long = KernelOpenEvent(common: common(), syscall: .openat, path: String(repeating: "p", count: 400), pathTruncated: false,
                                   dirfd: -100, flags: 0, mode: 0, resolve: 0, fd: 3)
        _ = encoder.encode(.open(long))
        let short = try EventCodec.decode(encoder.encode(.exit(KernelExitEvent(common: common(), exitStatus: 0))))
        XCTAssertEqual(short.probe, "exit")
        if case .open? = short.detail { XCTFail("no detail of the previous event") }
    }
}
