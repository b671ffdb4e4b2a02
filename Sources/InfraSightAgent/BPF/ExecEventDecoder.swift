import CEventLayout
#if canImport(Glibc)
import Glibc
#endif

/// Why a ring-buffer record could not be decoded.
public enum ExecEventDecodeError: Error, Equatable, Sendable {
    /// Fewer bytes than the fixed part of `struct infrasight_exec_event`.
    case tooShort(Int)
    case unsupportedVersion(UInt16)
    case unexpectedKind(UInt16)
}

/// Pure, bounds-checked decoder from one raw ring-buffer record (`struct infrasight_exec_event`,
/// variable length) to `KernelExecEvent`. Lengths in the record are never trusted: every read is
/// bounded by the record size and the limits of the shared header; over-long values are cut and
/// flagged as truncated. Safe to call on arbitrary bytes.
public enum ExecEventDecoder {
    // Field offsets of struct infrasight_exec_event (checked by _Static_assert in the header and
    // against the imported struct in the tests).
    static let offVersion = 0, offKind = 2, offFlags = 4, offBootNs = 8, offLatencyNs = 16
    static let offRet = 24, offCgroupId = 32, offPid = 40, offTid = 44, offPpid = 48, offUid = 52
    static let offGid = 56, offArgc = 60, offFilenameLen = 64, offArgvLen = 68, offComm = 72
    static let offFilename = 88, offResolvedLen = 600, offArgv = 608

    /// Size of the fixed part (everything before argv[]): the smallest valid record.
    public static let headerSize = offArgv
    /// Largest record the kernel emits: the struct, then the resolved path after a full argv.
    public static let maxRecordSize = MemoryLayout<infrasight_exec_event>.size + Int(INFRASIGHT_PATH_MAX)
    public static let maxArgs = Int(INFRASIGHT_ARGV_MAX_ARGS)
    public static let maxArgvBytes = Int(INFRASIGHT_ARGV_MAX_BYTES)
    public static let filenameCapacity = Int(INFRASIGHT_FILENAME_MAX)
    public static let commCapacity = Int(INFRASIGHT_COMM_LEN)
    public static let version = UInt16(INFRASIGHT_EXEC_EVENT_VERSION)
    public static let kindExec = UInt16(INFRASIGHT_EVENT_KIND_EXEC)

    /// Decodes one record. Throws only when the fixed part is missing or the version/kind is
    /// unknown; everything else is clamped.
    public static func decode(_ raw: UnsafeRawBufferPointer) throws -> KernelExecEvent {
        guard raw.count >= headerSize, raw.baseAddress != nil else {
            throw ExecEventDecodeError.tooShort(raw.count)
        }
        let version = raw.loadUnaligned(fromByteOffset: offVersion, as: UInt16.self)
        guard version == Self.version else { throw ExecEventDecodeError.unsupportedVersion(version) }
        let kind = raw.loadUnaligned(fromByteOffset: offKind, as: UInt16.self)
        guard kind == kindExec else { throw ExecEventDecodeError.unexpectedKind(kind) }

        var flags = ExecEventFlags(rawValue: raw.loadUnaligned(fromByteOffset: offFlags, as: UInt32.self))

        // filename: at most filenameCapacity bytes, up to the first NUL; filename_len only shortens.
        let claimedFilename = Int(raw.loadUnaligned(fromByteOffset: offFilenameLen, as: UInt32.self))
        let filenameRegion = UnsafeRawBufferPointer(rebasing: raw[offFilename ..< offFilename + filenameCapacity])
        var filenameBytes = cString(in: filenameRegion)
        if filenameBytes.terminated == false || claimedFilename >= filenameCapacity {
            flags.insert(.filenameTruncated)
        }
        if claimedFilename < filenameBytes.bytes.count {
            filenameBytes.bytes = UnsafeRawBufferPointer(rebasing: filenameBytes.bytes[..<claimedFilename])
        }

        // argv: bounded by the record size, the claimed length and the limit.
        let claimedArgv = Int(raw.loadUnaligned(fromByteOffset: offArgvLen, as: UInt32.self))
        let present = raw.count - offArgv
        var argvCount = min(claimedArgv, present, maxArgvBytes)
        if claimedArgv > argvCount { flags.insert(.argvTruncated) }
        if argvCount < 0 { argvCount = 0 }
        // The resolved path follows argv's bytes (as many as the kernel claimed, bounded like argv).
        let resolvedAt = offArgv + argvCount
        let argvRegion = UnsafeRawBufferPointer(rebasing: raw[offArgv ..< offArgv + argvCount])
        var argv: [String] = []
        var rest = argvRegion
        while !rest.isEmpty {
            if argv.count == maxArgs { flags.insert(.argvTruncated); break }
            let s = cString(in: rest)
            argv.append(String(decoding: s.bytes, as: UTF8.self))
            if !s.terminated { flags.insert(.argvTruncated); break } // cut last string
            rest = UnsafeRawBufferPointer(rebasing: rest[(rest.startIndex + s.bytes.count + 1)...])
        }

        let comm = cString(in: UnsafeRawBufferPointer(rebasing: raw[offComm ..< offComm + commCapacity]))
        let filename = String(decoding: filenameBytes.bytes, as: UTF8.self)
        let resolved = KernelRecordDecoder.resolved(
            raw, at: resolvedAt, claimed: raw.loadUnaligned(fromByteOffset: offResolvedLen, as: UInt32.self),
            flags: RecordFlags(rawValue: flags.rawValue), passed: filename,
            passedTruncated: flags.contains(.filenameTruncated))
        return KernelExecEvent(
            bootTimeNs: raw.loadUnaligned(fromByteOffset: offBootNs, as: UInt64.self),
            latencyNs: raw.loadUnaligned(fromByteOffset: offLatencyNs, as: UInt64.self),
            pid: raw.loadUnaligned(fromByteOffset: offPid, as: UInt32.self),
            tid: raw.loadUnaligned(fromByteOffset: offTid, as: UInt32.self),
            ppid: raw.loadUnaligned(fromByteOffset: offPpid, as: UInt32.self),
            uid: raw.loadUnaligned(fromByteOffset: offUid, as: UInt32.self),
            gid: raw.loadUnaligned(fromByteOffset: offGid, as: UInt32.self),
            cgroupId: raw.loadUnaligned(fromByteOffset: offCgroupId, as: UInt64.self),
            ret: raw.loadUnaligned(fromByteOffset: offRet, as: Int64.self),
            comm: String(decoding: comm.bytes, as: UTF8.self),
            filename: filename,
            argv: argv,
            argvTruncated: flags.contains(.argvTruncated),
            flags: flags,
            resolved: resolved)
    }

    /// Convenience for tests and fuzzing.
    public static func decode(_ bytes: [UInt8]) throws -> KernelExecEvent {
        try bytes.withUnsafeBytes { try decode($0) }
    }

    /// The bytes before the first NUL of `region` (all of it when there is none).
    @inline(__always)
    private static func cString(in region: UnsafeRawBufferPointer) -> (bytes: UnsafeRawBufferPointer, terminated: Bool) {
        guard let base = region.baseAddress, !region.isEmpty else { return (region, false) }
        if let nul = memchr(base, 0, region.count) {
            let n = base.distance(to: UnsafeRawPointer(nul))
            return (UnsafeRawBufferPointer(start: base, count: n), true)
        }
        return (region, false)
    }
}
