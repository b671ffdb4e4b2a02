import CEventLayout
import InfraSightCore
#if canImport(Glibc)
import Glibc
#endif

/// Why a ring-buffer record could not be decoded.
public enum RecordDecodeError: Error, Equatable, Sendable {
    /// Fewer bytes than the fixed part of the record's kind (or than the kind field itself).
    case tooShort(kind: UInt16, size: Int)
    case unsupportedVersion(UInt16)
    case unknownKind(UInt16)
    /// A syscall id that does not belong to the record's kind.
    case unexpectedSyscall(kind: UInt16, syscall: UInt32)
    /// The exec decoder's own error.
    case exec(ExecEventDecodeError)
}

/// Pure, bounds-checked decoder from one raw ring-buffer record of any probe to a `KernelRecord`.
/// Dispatches on `kind`; exec records go to `ExecEventDecoder`. Length fields are never trusted:
/// every string is bounded by the record size and its capacity in the shared header, cut at the
/// first NUL, and only ever shortened by a claimed length. Safe on arbitrary bytes.
public enum KernelRecordDecoder {
    // struct infrasight_common
    static let offVersion = 0, offKind = 2, offFlags = 4, offBootNs = 8, offLatencyNs = 16, offRet = 24
    static let offCgroupId = 32, offPid = 40, offTid = 44, offPpid = 48, offUid = 52, offGid = 56
    static let offSyscall = 60, offComm = 64
    public static let commonSize = 80
    // struct infrasight_open_event
    static let openDirfd = 80, openFd = 84, openFlags = 88, openMode = 96, openResolve = 104
    static let openPathLen = 112, openResolvedLen = 116, openPath = 120, openResolved = 632
    // struct infrasight_chmod_event
    static let chmodFd = 80, chmodMode = 84, chmodFlags = 88, chmodPathLen = 92, chmodPath = 96
    static let chmodResolvedLen = 608, chmodResolved = 616
    // struct infrasight_socket_event
    static let sockFamily = 80, sockType = 82, sockProtocol = 84, sockLocalPort = 86, sockRemotePort = 88
    static let sockUnixLen = 90, sockFd = 92, sockNewFd = 96, sockFlags = 100, sockLocalAddr = 104
    static let sockRemoteAddr = 120, sockUnixPath = 136
    // struct infrasight_exit_event
    static let exitStatus = 80
    // struct infrasight_ptrace_event
    static let ptraceRequest = 80, ptraceTarget = 88, ptraceAddr = 96, ptraceData = 104
    // struct infrasight_mount_event
    static let mountFlags = 80, mountSourceLen = 88, mountTargetLen = 92, mountFsTypeLen = 96
    static let mountSource = 104, mountTarget = 616, mountFsType = 1128
    // struct infrasight_setid_event
    static let setidOldIds = 80, setidNewIds = 104, setidCapVersion = 116, setidOldCaps = 120, setidCaps = 144
    static let setidCapPid = 168
    // struct infrasight_link_event
    static let linkDirfd = 80, linkOldDirfd = 84, linkAtFlags = 88, linkOldFlags = 92, linkPathLen = 96
    static let linkOldPathLen = 100, linkOldResolvedLen = 104, linkResolvedLen = 108
    static let linkPath = 112, linkOldPath = 624, linkOldResolved = 1136, linkResolved = 1648
    // struct infrasight_kernel_event
    static let kernelFd = 80, kernelModuleFlags = 84, kernelImageLen = 88, kernelProgType = 96, kernelInsnCnt = 100
    static let kernelAttachType = 104, kernelProgFlags = 108, kernelParamsLen = 112, kernelResolvedLen = 116
    static let kernelProgName = 120, kernelParams = 136, kernelResolved = 392
    public static let paramsCapacity = Int(INFRASIGHT_MODULE_PARAMS_MAX)
    public static let progNameCapacity = Int(INFRASIGHT_BPF_OBJ_NAME_LEN)

    public static let version = UInt16(INFRASIGHT_EVENT_VERSION)
    public static let pathCapacity = Int(INFRASIGHT_PATH_MAX)
    public static let fsTypeCapacity = Int(INFRASIGHT_FSTYPE_MAX)
    public static let unixPathCapacity = Int(INFRASIGHT_UNIX_PATH_MAX)
    public static let commCapacity = Int(INFRASIGHT_COMM_LEN)

    public static let kindExec = UInt16(INFRASIGHT_EVENT_KIND_EXEC)
    public static let kindOpen = UInt16(INFRASIGHT_EVENT_KIND_OPEN)
    public static let kindChmod = UInt16(INFRASIGHT_EVENT_KIND_CHMOD)
    public static let kindSocket = UInt16(INFRASIGHT_EVENT_KIND_SOCKET)
    public static let kindExit = UInt16(INFRASIGHT_EVENT_KIND_EXIT)
    public static let kindPtrace = UInt16(INFRASIGHT_EVENT_KIND_PTRACE)
    public static let kindMount = UInt16(INFRASIGHT_EVENT_KIND_MOUNT)
    public static let kindSetid = UInt16(INFRASIGHT_EVENT_KIND_SETID)
    public static let kindDup = UInt16(INFRASIGHT_EVENT_KIND_DUP)
    public static let kindSocketCreate = UInt16(INFRASIGHT_EVENT_KIND_SOCKET_CREATE)
    public static let kindLink = UInt16(INFRASIGHT_EVENT_KIND_LINK)
    public static let kindBind = UInt16(INFRASIGHT_EVENT_KIND_BIND)
    public static let kindSendto = UInt16(INFRASIGHT_EVENT_KIND_SENDTO)
    public static let kindKernel = UInt16(INFRASIGHT_EVENT_KIND_KERNEL)
    /// SOCK_NONBLOCK and SOCK_CLOEXEC in socket()'s type (and so in a socket record's sock_flags).
    public static let sockNonblock: UInt32 = 0o4000, sockCloexec: UInt32 = 0o2000000

    /// Smallest valid record per kind: everything before the trailing string region (the full
    /// record for kinds without strings).
    public static func minimumSize(kind: UInt16) -> Int? {
        switch kind {
        case kindExec: return ExecEventDecoder.headerSize
        case kindOpen: return openPath
        case kindChmod: return chmodPath
        case kindSocket, kindDup, kindSocketCreate, kindBind, kindSendto: return sockUnixPath
        case kindExit: return MemoryLayout<infrasight_exit_event>.size
        case kindPtrace: return MemoryLayout<infrasight_ptrace_event>.size
        case kindMount: return mountSource
        case kindSetid: return MemoryLayout<infrasight_setid_event>.size
        case kindLink: return linkResolved
        case kindKernel: return kernelResolved
        default: return nil
        }
    }

    public static func decode(_ bytes: [UInt8]) throws -> KernelRecord {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    public static func decode(_ raw: UnsafeRawBufferPointer) throws -> KernelRecord {
        guard raw.count >= 4, raw.baseAddress != nil else { throw RecordDecodeError.tooShort(kind: 0, size: raw.count) }
        let kind = raw.loadUnaligned(fromByteOffset: offKind, as: UInt16.self)
        if kind == kindExec {
            do { return .exec(try ExecEventDecoder.decode(raw)) } catch let e as ExecEventDecodeError {
                throw RecordDecodeError.exec(e)
            }
        }
        guard let minimum = minimumSize(kind: kind) else { throw RecordDecodeError.unknownKind(kind) }
        guard raw.count >= minimum else { throw RecordDecodeError.tooShort(kind: kind, size: raw.count) }
        let version = raw.loadUnaligned(fromByteOffset: offVersion, as: UInt16.self)
        guard version == Self.version else { throw RecordDecodeError.unsupportedVersion(version) }
        let common = decodeCommon(raw)
        let syscallID = raw.loadUnaligned(fromByteOffset: offSyscall, as: UInt32.self)
        // A range of raw ids per kind (no array per record): the enum's ids are grouped by kind.
        func syscall(_ allowed: ClosedRange<KernelSyscall>, or also: KernelSyscall? = nil) throws -> KernelSyscall {
            guard let s = KernelSyscall(rawValue: syscallID), allowed.contains(s) || s == also else {
                throw RecordDecodeError.unexpectedSyscall(kind: kind, syscall: syscallID)
            }
            return s
        }
        func u16(_ o: Int) -> UInt16 { raw.loadUnaligned(fromByteOffset: o, as: UInt16.self) }
        func u32(_ o: Int) -> UInt32 { raw.loadUnaligned(fromByteOffset: o, as: UInt32.self) }
        func i32(_ o: Int) -> Int32 { raw.loadUnaligned(fromByteOffset: o, as: Int32.self) }
        func u64(_ o: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: o, as: UInt64.self) }

        switch kind {
        case kindOpen:
            let s = try syscall(.open ... .openat2, or: .memfdCreate)
            let path = string(raw, at: openPath, capacity: pathCapacity, claimed: u32(openPathLen))
            let pathTruncated = path.truncated || common.flags.contains(.pathTruncated)
            return .open(KernelOpenEvent(
                common: common, syscall: s, path: path.value, pathTruncated: pathTruncated,
                dirfd: i32(openDirfd), flags: u64(openFlags), mode: u64(openMode), resolve: u64(openResolve),
                fd: i32(openFd),
                resolved: resolved(raw, at: openResolved, claimed: u32(openResolvedLen), flags: common.flags,
                                   passed: path.value, passedTruncated: pathTruncated)))
        case kindChmod:
            let s = try syscall(.chmod ... .fchmodat2)
            let path = string(raw, at: chmodPath, capacity: pathCapacity, claimed: u32(chmodPathLen))
            let pathTruncated = path.truncated || common.flags.contains(.pathTruncated)
            // resolved_len lies past the path: a record cut before it has no resolved path
            let claimed = raw.count >= chmodResolvedLen + 4 ? u32(chmodResolvedLen) : 0
            return .chmod(KernelChmodEvent(
                common: common, syscall: s, path: path.value, pathTruncated: pathTruncated,
                fd: i32(chmodFd), mode: u32(chmodMode), flags: u32(chmodFlags),
                resolved: resolved(raw, at: chmodResolved, claimed: claimed, flags: common.flags,
                                   passed: path.value, passedTruncated: pathTruncated)))
        case kindDup:
            let s = try syscall(.dup ... .fcntl)
            let (family, local, remote) = addresses(raw)
            return .dup(KernelDupEvent(
                common: common, syscall: s, oldfd: i32(sockFd), newfd: i32(sockNewFd), flags: u32(sockFlags),
                family: family, sockType: u16(sockType), protocol: u16(sockProtocol),
                localAddr: local, localPort: u16(sockLocalPort), remoteAddr: remote, remotePort: u16(sockRemotePort),
                unixPath: unixPath(raw, claimed: Int(u16(sockUnixLen)))))
        case kindSocketCreate:
            _ = try syscall(.socket ... .socket)
            let flags = u32(sockFlags)
            return .socketCreate(KernelSocketCreateEvent(
                common: common, family: u16(sockFamily), sockType: u16(sockType), protocol: u16(sockProtocol),
                nonblock: flags & sockNonblock != 0, cloexec: flags & sockCloexec != 0, fd: i32(sockNewFd)))
        case kindBind:
            let s = try syscall(.bind ... .listen)
            let (family, local, _) = addresses(raw)
            return .bind(KernelBindEvent(
                common: common, syscall: s, fd: i32(sockFd), family: family, sockType: u16(sockType),
                protocol: u16(sockProtocol), addr: local, port: u16(sockLocalPort),
                backlog: s == .listen ? i32(sockNewFd) : 0))
        case kindSendto:
            let s = try syscall(.sendto ... .sendmmsg)
            let (family, local, remote) = addresses(raw)
            return .sendto(KernelSendtoEvent(
                common: common, syscall: s, fd: i32(sockFd), family: family, remoteAddr: remote,
                remotePort: u16(sockRemotePort), sockType: u16(sockType), protocol: u16(sockProtocol),
                localAddr: local, localPort: u16(sockLocalPort), flags: u32(sockFlags), count: u32(sockNewFd)))
        case kindSocket:
            let s = try syscall(.connect ... .accept4)
            let (family, local, remote) = addresses(raw)
            return .socket(KernelSocketEvent(
                common: common, syscall: s, family: family, sockType: u16(sockType), protocol: u16(sockProtocol),
                localAddr: local, localPort: u16(sockLocalPort), remoteAddr: remote, remotePort: u16(sockRemotePort),
                unixPath: unixPath(raw, claimed: Int(u16(sockUnixLen))),
                fd: i32(sockFd), newFd: i32(sockNewFd), flags: u32(sockFlags)))
        case kindExit:
            return .exit(KernelExitEvent(common: common, exitStatus: u32(exitStatus)))
        case kindPtrace:
            return .ptrace(KernelPtraceEvent(
                common: common, request: raw.loadUnaligned(fromByteOffset: ptraceRequest, as: Int64.self),
                targetPid: u32(ptraceTarget), addr: u64(ptraceAddr), data: u64(ptraceData)))
        case kindMount:
            let s = try syscall(.mount ... .openTree)
            let source = string(raw, at: mountSource, capacity: pathCapacity, claimed: u32(mountSourceLen))
            let target = string(raw, at: mountTarget, capacity: pathCapacity, claimed: u32(mountTargetLen))
            let fsType = string(raw, at: mountFsType, capacity: fsTypeCapacity, claimed: u32(mountFsTypeLen))
            let flagged: RecordFlags = [.pathTruncated, .sourceTruncated, .fsTypeTruncated]
            return .mount(KernelMountEvent(
                common: common, syscall: s, source: source.value, target: target.value, fsType: fsType.value,
                flags: u64(mountFlags),
                truncated: source.truncated || target.truncated || fsType.truncated
                    || !common.flags.intersection(flagged).isEmpty))
        case kindSetid:
            let s = try syscall(.setuid ... .capset)
            /// A raw 32-bit id argument: 0xffffffff ((uid_t)-1) is "unchanged".
            func id(_ o: Int) -> Int64 { u32(o) == UInt32.max ? KernelSetidEvent.unchanged : Int64(u32(o)) }
            return .setid(KernelSetidEvent(
                common: common, syscall: s,
                oldUid: u32(setidOldIds), oldEuid: u32(setidOldIds + 4), oldSuid: u32(setidOldIds + 8),
                oldGid: u32(setidOldIds + 12), oldEgid: u32(setidOldIds + 16), oldSgid: u32(setidOldIds + 20),
                newReal: id(setidNewIds), newEffective: id(setidNewIds + 4), newSaved: id(setidNewIds + 8),
                capEffective: u64(setidCaps), capPermitted: u64(setidCaps + 8), capInheritable: u64(setidCaps + 16),
                oldCapEffective: u64(setidOldCaps), oldCapPermitted: u64(setidOldCaps + 8),
                oldCapInheritable: u64(setidOldCaps + 16),
                capVersion: u32(setidCapVersion), capPid: i32(setidCapPid)))
        case kindLink:
            let s = try syscall(.symlink ... .renameat2)
            let path = string(raw, at: linkPath, capacity: pathCapacity, claimed: u32(linkPathLen))
            let pathTruncated = path.truncated || common.flags.contains(.pathTruncated)
            let oldFlags = RecordFlags(rawValue: u32(linkOldFlags))
            let old = string(raw, at: linkOldPath, capacity: pathCapacity, claimed: u32(linkOldPathLen))
            let oldTruncated = old.truncated || oldFlags.contains(.pathTruncated)
            let resolvedPath = resolved(raw, at: linkResolved, claimed: u32(linkResolvedLen), flags: common.flags,
                                        passed: path.value, passedTruncated: pathTruncated)
            let oldResolved = s == .symlink || s == .symlinkat
                ? symlinkTarget(old.value, truncated: oldTruncated, link: resolvedPath)
                : resolved(raw, at: linkOldResolved, claimed: u32(linkOldResolvedLen), flags: oldFlags,
                           passed: old.value, passedTruncated: oldTruncated)
            return .link(KernelLinkEvent(
                common: common, syscall: s, path: path.value, pathTruncated: pathTruncated,
                oldPath: old.value, oldPathTruncated: oldTruncated,
                dirfd: i32(linkDirfd), oldDirfd: i32(linkOldDirfd), flags: u32(linkAtFlags),
                resolved: resolvedPath, oldResolved: oldResolved))
        case kindKernel:
            let s = try syscall(.initModule ... .bpf)
            let params = string(raw, at: kernelParams, capacity: paramsCapacity, claimed: u32(kernelParamsLen))
            let name = string(raw, at: kernelProgName, capacity: progNameCapacity, claimed: UInt32(progNameCapacity))
            let module = s != .bpf
            return .kernel(KernelReachEvent(
                common: common, syscall: s, fd: i32(kernelFd),
                resolved: s == .finitModule
                    ? resolved(raw, at: kernelResolved, claimed: u32(kernelResolvedLen),
                               flags: common.flags.intersection([.resolvedFile, .resolvedTruncated]),
                               passed: "", passedTruncated: false)
                    : .none,
                moduleFlags: u32(kernelModuleFlags), imageLen: u64(kernelImageLen),
                params: module ? params.value : "",
                paramsTruncated: module && (params.truncated || common.flags.contains(.paramsTruncated)),
                progType: u32(kernelProgType), insnCnt: u32(kernelInsnCnt),
                expectedAttachType: u32(kernelAttachType), progFlags: u32(kernelProgFlags),
                // a full 16-byte name has no NUL: not a truncation (BPF_OBJ_NAME_LEN includes room for none)
                progName: s == .bpf ? name.value : ""))
        default:
            throw RecordDecodeError.unknownKind(kind)
        }
    }

    /// A socket record's family and its local and remote address bytes (4 for AF_INET, 16 for
    /// AF_INET6, none otherwise).
    static func addresses(_ raw: UnsafeRawBufferPointer) -> (family: UInt16, local: [UInt8], remote: [UInt8]) {
        let family = raw.loadUnaligned(fromByteOffset: sockFamily, as: UInt16.self)
        let addrLen = family == 2 ? 4 : family == 10 ? 16 : 0
        let local = Array(UnsafeRawBufferPointer(rebasing: raw[sockLocalAddr ..< sockLocalAddr + addrLen]))
        let remote = Array(UnsafeRawBufferPointer(rebasing: raw[sockRemoteAddr ..< sockRemoteAddr + addrLen]))
        return (family, local, remote)
    }

    static func decodeCommon(_ raw: UnsafeRawBufferPointer) -> KernelCommon {
        let comm = cString(in: UnsafeRawBufferPointer(rebasing: raw[offComm ..< offComm + commCapacity]))
        return KernelCommon(
            bootTimeNs: raw.loadUnaligned(fromByteOffset: offBootNs, as: UInt64.self),
            latencyNs: raw.loadUnaligned(fromByteOffset: offLatencyNs, as: UInt64.self),
            ret: raw.loadUnaligned(fromByteOffset: offRet, as: Int64.self),
            cgroupId: raw.loadUnaligned(fromByteOffset: offCgroupId, as: UInt64.self),
            pid: raw.loadUnaligned(fromByteOffset: offPid, as: UInt32.self),
            tid: raw.loadUnaligned(fromByteOffset: offTid, as: UInt32.self),
            ppid: raw.loadUnaligned(fromByteOffset: offPpid, as: UInt32.self),
            uid: raw.loadUnaligned(fromByteOffset: offUid, as: UInt32.self),
            gid: raw.loadUnaligned(fromByteOffset: offGid, as: UInt32.self),
            comm: String(decoding: comm.bytes, as: UTF8.self),
            flags: RecordFlags(rawValue: raw.loadUnaligned(fromByteOffset: offFlags, as: UInt32.self)))
    }

    /// A NUL-terminated string field at `offset` of `capacity` bytes, bounded by the record end;
    /// the claimed length only shortens it. Truncated when it has no NUL within its capacity, the
    /// record ends before it does, or the claimed length reaches the capacity.
    static func string(_ raw: UnsafeRawBufferPointer, at offset: Int, capacity: Int,
                       claimed: UInt32) -> (value: String, truncated: Bool) {
        let end = min(offset + capacity, raw.count)
        guard end > offset else { return ("", false) }
        let region = UnsafeRawBufferPointer(rebasing: raw[offset ..< end])
        var s = cString(in: region)
        let truncated = !s.terminated || Int(claimed) >= capacity
        if Int(claimed) < s.bytes.count {
            s.bytes = UnsafeRawBufferPointer(rebasing: s.bytes[..<Int(claimed)])
        }
        return (String(decoding: s.bytes, as: UTF8.self), truncated)
    }

    /// A record's resolved path (INFRASIGHT_F_RESOLVED_* in `flags`; `bpf/include/infrasight_path.h`):
    /// the kernel's bytes at `offset` (at most `pathCapacity`, bounded by the record, cut at the first
    /// NUL, shortened by `claimed`). RESOLVED_FILE: they are the path. RESOLVED_DIR: they are the
    /// directory the passed path was looked up from, and the path is `LexicalPath.join` of both
    /// (lexical; cut when the passed path was). Neither: no resolved path.
    static func resolved(_ raw: UnsafeRawBufferPointer, at offset: Int, claimed: UInt32, flags: RecordFlags,
                         passed: String, passedTruncated: Bool) -> ResolvedPath {
        let file = flags.contains(.resolvedFile)
        guard file || flags.contains(.resolvedDir) else { return .none }
        let end = min(offset + pathCapacity, raw.count)
        // The record ends before the path (the kernel always writes at least its NUL): nothing to say.
        guard end > offset else { return ResolvedPath(path: "", lexical: !file, truncated: true) }
        var cut = flags.contains(.resolvedTruncated)
        let s = cString(in: UnsafeRawBufferPointer(rebasing: raw[offset ..< end]))
        let bytes = Int(claimed) < s.bytes.count ? UnsafeRawBufferPointer(rebasing: s.bytes[..<Int(claimed)]) : s.bytes
        if !s.terminated || Int(claimed) >= pathCapacity { cut = true }
        var passed = passed
        if file {
            // The usual case, an absolute path without symlinks or `..`: the passed string already holds
            // these bytes, so it is shared rather than copied.
            let same = passed.withUTF8 { p in
                p.count == bytes.count && (p.isEmpty || memcmp(p.baseAddress!, bytes.baseAddress!, p.count) == 0)
            }
            return ResolvedPath(path: same ? passed : String(decoding: bytes, as: UTF8.self), lexical: false, truncated: cut)
        }
        // A relative path with no directory (the kernel could not read it): nothing to join onto.
        if bytes.isEmpty && passed.utf8.first != UInt8(ascii: "/") { return ResolvedPath(path: "", lexical: true, truncated: true) }
        return ResolvedPath(path: LexicalPath.join(directory: bytes, passed: passed), lexical: true,
                            truncated: cut || passedTruncated)
    }

    /// A symlink's target as the kernel follows it: relative to the link's directory (the resolved
    /// link path without its last component), normalised (lexical); an absolute target as it is.
    /// No resolved link path and a relative target: none.
    static func symlinkTarget(_ target: String, truncated: Bool, link: ResolvedPath) -> ResolvedPath {
        guard !target.isEmpty else { return .none }
        let slash = UInt8(ascii: "/")
        if target.utf8.first == slash {
            let path = LexicalPath.join(directory: UnsafeRawBufferPointer(start: nil, count: 0), passed: target)
            return ResolvedPath(path: path, lexical: true, truncated: truncated)
        }
        guard link.path.utf8.first == slash else { return .none }
        var linkPath = link.path
        return linkPath.withUTF8 { p in
            let last = p.lastIndex(of: slash) ?? 0
            let directory = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(p)[..<max(last, 1)])
            return ResolvedPath(path: LexicalPath.join(directory: directory, passed: target), lexical: true,
                                truncated: truncated || link.truncated)
        }
    }

    /// sun_path bytes: a pathname (up to its NUL) or an abstract name (leading NUL → "@", the
    /// claimed length counts, NULs kept out).
    static func unixPath(_ raw: UnsafeRawBufferPointer, claimed: Int) -> String {
        let end = min(sockUnixPath + unixPathCapacity, raw.count)
        guard end > sockUnixPath, claimed > 0 else { return "" }
        let n = min(claimed, end - sockUnixPath)
        let region = UnsafeRawBufferPointer(rebasing: raw[sockUnixPath ..< sockUnixPath + n])
        if region[region.startIndex] == 0 {
            let name = region.dropFirst().map { $0 == 0 ? UInt8(ascii: "@") : $0 }
            return "@" + String(decoding: name, as: UTF8.self)
        }
        return String(decoding: cString(in: region).bytes, as: UTF8.self)
    }

    @inline(__always)
    static func cString(in region: UnsafeRawBufferPointer) -> (bytes: UnsafeRawBufferPointer, terminated: Bool) {
        guard let base = region.baseAddress, !region.isEmpty else { return (region, false) }
        if let nul = memchr(base, 0, region.count) {
            return (UnsafeRawBufferPointer(start: base, count: base.distance(to: UnsafeRawPointer(nul))), true)
        }
        return (region, false)
    }
}
