/// Typed read access to the nested messages of an `EventView`: the detail payloads, process (with its
/// ancestors), container (with its labels) and enrichment. Each is a thin wrapper over the
/// `MessageView` slots the event's single pass filled; strings come back as UTF-8 bytes of the event.
///
/// Why: the sink's column closures and the enrich steps read these fields per event; a view wrapper
/// costs nothing (inlined) where a SwiftProtobuf sub-message costs a `String` per field. A detail view
/// of a member that is not set reads as the empty message (all defaults), like SwiftProtobuf's getters.
extension EventView {
    /// Which member of the `detail` oneof an event carries.
    public enum DetailKind: Int, Sendable {
        case exec = 20, open, chmod, socket, exit, ptrace, mount, setid, dup, socketCreate
        case link = 32
        case bind = 33, sendto, kernel
    }

    /// The set member of `detail`, nil when none.
    @inlinable @inline(__always) public var detailKind: DetailKind? { DetailKind(rawValue: detailField) }

    @inlinable @inline(__always)
    func detailMessage(_ kind: DetailKind) -> MessageView { detailField == kind.rawValue ? detail : MessageView() }

    @inlinable @inline(__always) public var exec: ExecView { ExecView(buffer: buffer, m: detailMessage(.exec)) }
    @inlinable @inline(__always) public var open: OpenView { OpenView(buffer: buffer, m: detailMessage(.open)) }
    @inlinable @inline(__always) public var chmod: ChmodView { ChmodView(buffer: buffer, m: detailMessage(.chmod)) }
    @inlinable @inline(__always) public var socket: SocketView { SocketView(buffer: buffer, m: detailMessage(.socket)) }
    @inlinable @inline(__always) public var exit: ExitView { ExitView(m: detailMessage(.exit)) }
    @inlinable @inline(__always) public var ptrace: PtraceView { PtraceView(m: detailMessage(.ptrace)) }
    @inlinable @inline(__always) public var mount: MountView { MountView(buffer: buffer, m: detailMessage(.mount)) }
    @inlinable @inline(__always) public var setid: SetidView { SetidView(buffer: buffer, m: detailMessage(.setid)) }
    @inlinable @inline(__always) public var dup: DupView { DupView(buffer: buffer, m: detailMessage(.dup)) }
    @inlinable @inline(__always) public var socketCreate: SocketCreateView { SocketCreateView(m: detailMessage(.socketCreate)) }
    @inlinable @inline(__always) public var link: LinkView { LinkView(buffer: buffer, m: detailMessage(.link)) }
    @inlinable @inline(__always) public var bind: BindView { BindView(buffer: buffer, m: detailMessage(.bind)) }
    @inlinable @inline(__always) public var sendto: SendtoView { SendtoView(buffer: buffer, m: detailMessage(.sendto)) }
    @inlinable @inline(__always) public var kernel: KernelView { KernelView(buffer: buffer, m: detailMessage(.kernel)) }
    @inlinable @inline(__always) public var process: ProcessView { ProcessView(buffer: buffer, m: processView) }
    @inlinable @inline(__always) public var container: ContainerView { ContainerView(buffer: buffer, m: containerView) }
    @inlinable @inline(__always) public var enriched: EnrichmentView { EnrichmentView(buffer: buffer, m: enrichedView) }

    /// Each ancestor of the process, nearest first: as `process.forEachAncestor`, from the fields the
    /// view's single pass recorded (`AncestorIndex`) rather than by parsing each element again.
    @inlinable
    public func forEachAncestor(_ body: (AncestorView) -> Void) {
        guard ancestorIndex.isComplete else { return process.forEachAncestor(body) }
        for i in 0..<ancestorIndex.count {
            body(AncestorView(buffer: buffer, fields: ancestorIndex.fields(i)))
        }
    }
}

/// `ExecDetail` of an `EventView`.
public struct ExecView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var filename: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    /// Number of argv entries.
    @inlinable @inline(__always) public var argvCount: Int { m.count(2) }
    /// Each argv entry in order.
    @inlinable public func forEachArg(_ body: (UnsafeRawBufferPointer) -> Void) {
        let buffer = buffer
        m.forEachElement(of: 2, in: buffer) { body(UnsafeRawBufferPointer(rebasing: buffer[$0])) }
    }
    @inlinable @inline(__always) public var argvTruncated: Bool { m.value(3) != 0 }
    @inlinable @inline(__always) public var dirfd: Int32 { Int32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(6, in: buffer) }
    /// The binary as the kernel resolved it (`resolved_path`): after a successful exec the new image's
    /// file, else (`resolvedLexical`) the passed filename joined onto the cwd or dirfd; empty when unknown.
    @inlinable @inline(__always) public var resolvedPath: UnsafeRawBufferPointer { m.bytes(7, in: buffer) }
    @inlinable @inline(__always) public var resolvedLexical: Bool { m.value(8) != 0 }
    @inlinable @inline(__always) public var resolvedTruncated: Bool { m.value(9) != 0 }
    /// The binary has no name left (removed while open, or a memfd): fileless execution.
    @inlinable @inline(__always) public var exeUnlinked: Bool { m.value(10) != 0 }
    /// The binary is a memfd.
    @inlinable @inline(__always) public var exeMemfd: Bool { m.value(11) != 0 }
}

/// `OpenDetail` of an `EventView`.
public struct OpenView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var path: UnsafeRawBufferPointer { m.bytes(2, in: buffer) }
    @inlinable @inline(__always) public var pathTruncated: Bool { m.value(3) != 0 }
    @inlinable @inline(__always) public var dirfd: Int32 { Int32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    @inlinable @inline(__always) public var mode: UInt32 { UInt32(truncatingIfNeeded: m.value(6)) }
    @inlinable @inline(__always) public var resolve: UInt64 { m.value(7) }
    @inlinable @inline(__always) public var fd: Int32 { Int32(truncatingIfNeeded: m.value(8)) }
    /// The path as the kernel resolved it (`resolved_path`): after a successful open the opened file,
    /// else (`resolvedLexical`) the passed path joined onto the cwd or dirfd; empty when unknown.
    @inlinable @inline(__always) public var resolvedPath: UnsafeRawBufferPointer { m.bytes(9, in: buffer) }
    @inlinable @inline(__always) public var resolvedLexical: Bool { m.value(10) != 0 }
    @inlinable @inline(__always) public var resolvedTruncated: Bool { m.value(11) != 0 }
}

/// `ChmodDetail` of an `EventView`.
public struct ChmodView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var path: UnsafeRawBufferPointer { m.bytes(2, in: buffer) }
    @inlinable @inline(__always) public var pathTruncated: Bool { m.value(3) != 0 }
    @inlinable @inline(__always) public var fd: Int32 { Int32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var mode: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(6)) }
    /// The path as the kernel resolved it (`resolved_path`): fchmod's file, else (`resolvedLexical`) the
    /// passed path joined onto the cwd or dirfd; empty when unknown.
    @inlinable @inline(__always) public var resolvedPath: UnsafeRawBufferPointer { m.bytes(7, in: buffer) }
    @inlinable @inline(__always) public var resolvedLexical: Bool { m.value(8) != 0 }
    @inlinable @inline(__always) public var resolvedTruncated: Bool { m.value(9) != 0 }
}

/// `LinkDetail` of an `EventView`: a link or a removal (symlink*, link*, unlink*, rename*).
public struct LinkView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    /// The name created or removed (symlink's linkpath, link's/rename's newpath, unlink's pathname).
    @inlinable @inline(__always) public var path: UnsafeRawBufferPointer { m.bytes(2, in: buffer) }
    @inlinable @inline(__always) public var pathTruncated: Bool { m.value(3) != 0 }
    /// symlink's target, link's/rename's oldpath; empty for unlink.
    @inlinable @inline(__always) public var oldPath: UnsafeRawBufferPointer { m.bytes(4, in: buffer) }
    @inlinable @inline(__always) public var oldPathTruncated: Bool { m.value(5) != 0 }
    @inlinable @inline(__always) public var dirfd: Int32 { Int32(truncatingIfNeeded: m.value(6)) }
    @inlinable @inline(__always) public var oldDirfd: Int32 { Int32(truncatingIfNeeded: m.value(7)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(8)) }
    /// `path` joined onto the cwd or dirfd and normalised (lexical); empty when unknown.
    @inlinable @inline(__always) public var resolvedPath: UnsafeRawBufferPointer { m.bytes(9, in: buffer) }
    @inlinable @inline(__always) public var resolvedLexical: Bool { m.value(10) != 0 }
    @inlinable @inline(__always) public var resolvedTruncated: Bool { m.value(11) != 0 }
    /// `oldPath` resolved the same way (symlink: relative to the link's directory).
    @inlinable @inline(__always) public var oldResolvedPath: UnsafeRawBufferPointer { m.bytes(12, in: buffer) }
    @inlinable @inline(__always) public var oldResolvedLexical: Bool { m.value(13) != 0 }
    @inlinable @inline(__always) public var oldResolvedTruncated: Bool { m.value(14) != 0 }
}

/// `SocketDetail` of an `EventView`.
public struct SocketView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var family: UInt32 { UInt32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var sockType: UInt32 { UInt32(truncatingIfNeeded: m.value(3)) }
    @inlinable @inline(__always) public var `protocol`: UInt32 { UInt32(truncatingIfNeeded: m.value(4)) }
    /// 4 or 16 bytes, network order (as sent; not checked).
    @inlinable @inline(__always) public var localAddr: UnsafeRawBufferPointer { m.bytes(5, in: buffer) }
    @inlinable @inline(__always) public var localPort: UInt32 { UInt32(truncatingIfNeeded: m.value(6)) }
    @inlinable @inline(__always) public var remoteAddr: UnsafeRawBufferPointer { m.bytes(7, in: buffer) }
    @inlinable @inline(__always) public var remotePort: UInt32 { UInt32(truncatingIfNeeded: m.value(8)) }
    @inlinable @inline(__always) public var unixPath: UnsafeRawBufferPointer { m.bytes(9, in: buffer) }
    @inlinable @inline(__always) public var fd: Int32 { Int32(truncatingIfNeeded: m.value(10)) }
    @inlinable @inline(__always) public var newFd: Int32 { Int32(truncatingIfNeeded: m.value(11)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(12)) }
}

/// `ExitDetail` of an `EventView`.
public struct ExitView {
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(m: MessageView) { self.m = m }

    @inlinable @inline(__always) public var exitCode: Int32 { Int32(truncatingIfNeeded: m.value(1)) }
    @inlinable @inline(__always) public var signal: Int32 { Int32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var coreDumped: Bool { m.value(3) != 0 }
}

/// `PtraceDetail` of an `EventView`.
public struct PtraceView {
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(m: MessageView) { self.m = m }

    @inlinable @inline(__always) public var request: Int64 { Int64(bitPattern: m.value(1)) }
    @inlinable @inline(__always) public var targetPid: UInt32 { UInt32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var addr: UInt64 { m.value(3) }
    @inlinable @inline(__always) public var data: UInt64 { m.value(4) }
}

/// `MountDetail` of an `EventView`.
public struct MountView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var source: UnsafeRawBufferPointer { m.bytes(2, in: buffer) }
    @inlinable @inline(__always) public var target: UnsafeRawBufferPointer { m.bytes(3, in: buffer) }
    @inlinable @inline(__always) public var fsType: UnsafeRawBufferPointer { m.bytes(4, in: buffer) }
    @inlinable @inline(__always) public var flags: UInt64 { m.value(5) }
}

/// `SetidDetail` of an `EventView`: ids before the call, the requested ids (-1 = unchanged), capset's sets.
public struct SetidView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var oldUid: UInt32 { UInt32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var oldEuid: UInt32 { UInt32(truncatingIfNeeded: m.value(3)) }
    @inlinable @inline(__always) public var oldSuid: UInt32 { UInt32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var oldGid: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    @inlinable @inline(__always) public var oldEgid: UInt32 { UInt32(truncatingIfNeeded: m.value(6)) }
    @inlinable @inline(__always) public var oldSgid: UInt32 { UInt32(truncatingIfNeeded: m.value(7)) }
    @inlinable @inline(__always) public var newReal: Int64 { Int64(bitPattern: m.value(8)) }
    @inlinable @inline(__always) public var newEffective: Int64 { Int64(bitPattern: m.value(9)) }
    @inlinable @inline(__always) public var newSaved: Int64 { Int64(bitPattern: m.value(10)) }
    @inlinable @inline(__always) public var capEffective: UInt64 { m.value(11) }
    @inlinable @inline(__always) public var capPermitted: UInt64 { m.value(12) }
    @inlinable @inline(__always) public var capInheritable: UInt64 { m.value(13) }
    @inlinable @inline(__always) public var oldCapEffective: UInt64 { m.value(14) }
    @inlinable @inline(__always) public var oldCapPermitted: UInt64 { m.value(15) }
}

/// `DupDetail` of an `EventView`: a socket duplicated onto fd 0, 1 or 2.
public struct DupView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var oldfd: Int32 { Int32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var newfd: Int32 { Int32(truncatingIfNeeded: m.value(3)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var family: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    @inlinable @inline(__always) public var sockType: UInt32 { UInt32(truncatingIfNeeded: m.value(6)) }
    @inlinable @inline(__always) public var `protocol`: UInt32 { UInt32(truncatingIfNeeded: m.value(7)) }
    /// 4 or 16 bytes, network order (as sent; not checked).
    @inlinable @inline(__always) public var localAddr: UnsafeRawBufferPointer { m.bytes(8, in: buffer) }
    @inlinable @inline(__always) public var localPort: UInt32 { UInt32(truncatingIfNeeded: m.value(9)) }
    @inlinable @inline(__always) public var remoteAddr: UnsafeRawBufferPointer { m.bytes(10, in: buffer) }
    @inlinable @inline(__always) public var remotePort: UInt32 { UInt32(truncatingIfNeeded: m.value(11)) }
    @inlinable @inline(__always) public var unixPath: UnsafeRawBufferPointer { m.bytes(12, in: buffer) }
}

/// `BindDetail` of an `EventView`: one bind() or listen() call.
public struct BindView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var fd: Int32 { Int32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var family: UInt32 { UInt32(truncatingIfNeeded: m.value(3)) }
    @inlinable @inline(__always) public var sockType: UInt32 { UInt32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var `protocol`: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    /// 4 or 16 bytes, network order (as sent; not checked).
    @inlinable @inline(__always) public var addr: UnsafeRawBufferPointer { m.bytes(6, in: buffer) }
    @inlinable @inline(__always) public var port: UInt32 { UInt32(truncatingIfNeeded: m.value(7)) }
    @inlinable @inline(__always) public var backlog: Int32 { Int32(truncatingIfNeeded: m.value(8)) }
}

/// `SendtoDetail` of an `EventView`: one datagram send to an explicit IP destination.
public struct SendtoView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var fd: Int32 { Int32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var family: UInt32 { UInt32(truncatingIfNeeded: m.value(3)) }
    @inlinable @inline(__always) public var sockType: UInt32 { UInt32(truncatingIfNeeded: m.value(4)) }
    @inlinable @inline(__always) public var `protocol`: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    /// 4 or 16 bytes, network order (as sent; not checked).
    @inlinable @inline(__always) public var remoteAddr: UnsafeRawBufferPointer { m.bytes(6, in: buffer) }
    @inlinable @inline(__always) public var remotePort: UInt32 { UInt32(truncatingIfNeeded: m.value(7)) }
    @inlinable @inline(__always) public var localAddr: UnsafeRawBufferPointer { m.bytes(8, in: buffer) }
    @inlinable @inline(__always) public var localPort: UInt32 { UInt32(truncatingIfNeeded: m.value(9)) }
    @inlinable @inline(__always) public var flags: UInt32 { UInt32(truncatingIfNeeded: m.value(10)) }
    @inlinable @inline(__always) public var count: UInt32 { UInt32(truncatingIfNeeded: m.value(11)) }
}

/// `KernelDetail` of an `EventView`: one module load or BPF program load attempt.
public struct KernelView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    /// "init_module", "finit_module" or "bpf".
    @inlinable @inline(__always) public var syscall: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var fd: Int32 { Int32(truncatingIfNeeded: m.value(2)) }
    /// finit_module: the path of the file behind fd, read in the kernel.
    @inlinable @inline(__always) public var resolvedPath: UnsafeRawBufferPointer { m.bytes(3, in: buffer) }
    @inlinable @inline(__always) public var resolvedTruncated: Bool { m.value(4) != 0 }
    @inlinable @inline(__always) public var moduleFlags: UInt32 { UInt32(truncatingIfNeeded: m.value(5)) }
    @inlinable @inline(__always) public var imageLen: UInt64 { m.value(6) }
    @inlinable @inline(__always) public var params: UnsafeRawBufferPointer { m.bytes(7, in: buffer) }
    @inlinable @inline(__always) public var paramsTruncated: Bool { m.value(8) != 0 }
    @inlinable @inline(__always) public var progType: UInt32 { UInt32(truncatingIfNeeded: m.value(9)) }
    @inlinable @inline(__always) public var insnCnt: UInt32 { UInt32(truncatingIfNeeded: m.value(10)) }
    @inlinable @inline(__always) public var expectedAttachType: UInt32 { UInt32(truncatingIfNeeded: m.value(11)) }
    @inlinable @inline(__always) public var progFlags: UInt32 { UInt32(truncatingIfNeeded: m.value(12)) }
    @inlinable @inline(__always) public var progName: UnsafeRawBufferPointer { m.bytes(13, in: buffer) }
}

/// `SocketCreateDetail` of an `EventView`: one socket() call.
public struct SocketCreateView {
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(m: MessageView) { self.m = m }

    @inlinable @inline(__always) public var family: UInt32 { UInt32(truncatingIfNeeded: m.value(1)) }
    @inlinable @inline(__always) public var sockType: UInt32 { UInt32(truncatingIfNeeded: m.value(2)) }
    @inlinable @inline(__always) public var `protocol`: UInt32 { UInt32(truncatingIfNeeded: m.value(3)) }
    @inlinable @inline(__always) public var nonblock: Bool { m.value(4) != 0 }
    @inlinable @inline(__always) public var cloexec: Bool { m.value(5) != 0 }
}

/// `ProcessContext` of an `EventView`.
public struct ProcessView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var isPresent: Bool { m.isPresent }
    @inlinable @inline(__always) public var execID: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var parentExecID: UnsafeRawBufferPointer { m.bytes(2, in: buffer) }
    @inlinable @inline(__always) public var exe: UnsafeRawBufferPointer { m.bytes(3, in: buffer) }
    @inlinable @inline(__always) public var cwd: UnsafeRawBufferPointer { m.bytes(4, in: buffer) }
    @inlinable @inline(__always) public var startBootNs: UInt64 { m.value(6) }
    /// Number of ancestors.
    @inlinable @inline(__always) public var ancestorCount: Int { m.count(5) }

    /// Each ancestor, nearest first.
    @inlinable @inline(__always)
    public func forEachAncestor(_ body: (AncestorView) -> Void) {
        let buffer = buffer
        m.forEachElement(of: 5, in: buffer) { body(AncestorView(buffer: buffer, element: $0)) }
    }
}

/// One `Ancestor` of a `ProcessView` (its four fields read from its element when it is visited).
public struct AncestorView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    /// pid, then `offset << 32 | length` of comm, exe and exec_id.
    @usableFromInline var fields: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    /// An element whose fields were already read (`AncestorIndex`).
    @inlinable @inline(__always)
    init(buffer: UnsafeRawBufferPointer, fields: (UInt64, UInt64, UInt64, UInt64)) {
        self.buffer = buffer
        self.fields = fields
    }

    /// Reads one validated `Ancestor` element (last occurrence of each field wins).
    @usableFromInline
    init(buffer: UnsafeRawBufferPointer, element: Range<Int>) {
        self.buffer = buffer
        var r = ProtobufReader(buffer, range: element)
        do {
            // The agent's layout: one-byte tags in increasing field order, each field at most once.
            var last = 0
            while !r.isAtEnd {
                let t = r.byte(r.at)
                let field = Int(t >> 3)
                guard t & 0x80 == 0, field > last, field <= 4, t & 7 == (field == 1 ? 0 : 2) else { break }
                r.at &+= 1
                last = field
                if field == 1 {
                    fields.0 = try r.varint()
                } else {
                    let v = try r.lengthDelimited()
                    let packed = UInt64(v.lowerBound) << 32 | UInt64(v.count)
                    if field == 2 { fields.1 = packed } else if field == 3 { fields.2 = packed } else { fields.3 = packed }
                }
            }
            if r.isAtEnd { return }
            // Anything else: the general rules (last occurrence wins, unknown fields skipped).
            fields = (0, 0, 0, 0)
            r = ProtobufReader(buffer, range: element)
            while !r.isAtEnd {
                let (field, wireType) = try r.tag()
                switch (field, wireType) {
                case (1, ProtobufReader.varintType): fields.0 = try r.varint()
                case (2...4, ProtobufReader.lengthDelimitedType):
                    let v = try r.lengthDelimited()
                    let packed = UInt64(v.lowerBound) << 32 | UInt64(v.count)
                    if field == 2 { fields.1 = packed } else if field == 3 { fields.2 = packed } else { fields.3 = packed }
                default: try r.skip(wireType: wireType, field: field, budget: 100)
                }
            }
        } catch {
            // Unreachable: validated when the event view was built.
        }
    }

    @inlinable @inline(__always) public var pid: UInt32 { UInt32(truncatingIfNeeded: fields.0) }
    @inlinable @inline(__always) public var comm: UnsafeRawBufferPointer { EventView.bytes(fields.1, buffer) }
    @inlinable @inline(__always) public var exe: UnsafeRawBufferPointer { EventView.bytes(fields.2, buffer) }
    @inlinable @inline(__always) public var execID: UnsafeRawBufferPointer { EventView.bytes(fields.3, buffer) }
}

/// `ContainerContext` of an `EventView`.
public struct ContainerView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var isPresent: Bool { m.isPresent }
    @inlinable @inline(__always) public var name: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var image: UnsafeRawBufferPointer { m.bytes(2, in: buffer) }
    @inlinable @inline(__always) public var podName: UnsafeRawBufferPointer { m.bytes(4, in: buffer) }
    @inlinable @inline(__always) public var podNamespace: UnsafeRawBufferPointer { m.bytes(5, in: buffer) }
    @inlinable @inline(__always) public var podUid: UnsafeRawBufferPointer { m.bytes(6, in: buffer) }
    /// Whether the message carries no label entry at all (the common case: no allocation then).
    @inlinable @inline(__always) public var hasNoLabels: Bool { m.count(3) == 0 }

    /// The labels as a map: one entry per distinct key (a later entry's value wins), sorted by key, as
    /// `labels.keys.sorted()` of the decoded message gives them.
    public func sortedLabels() -> [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] {
        guard !hasNoLabels else { return [] }
        let buffer = buffer
        var entries: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] = []
        entries.reserveCapacity(m.count(3))
        var ascii = true
        m.forEachElement(of: 3, in: buffer) { entry in
            guard let (k, v) = try? MessageView.mapEntry(buffer, body: entry, budget: 100) else { return }
            let key = UnsafeRawBufferPointer(rebasing: buffer[k])
            if ascii, key.contains(where: { $0 >= 0x80 }) { ascii = false }
            entries.append((key, UnsafeRawBufferPointer(rebasing: buffer[v])))
        }
        guard ascii else { return Self.sortedAsStrings(entries) }
        // ASCII keys: byte order is String order and byte equality is String equality. Stable sort by
        // key, then keep the last value of each run of equal keys.
        let order = entries.indices.sorted { a, b in
            let c = Self.compare(entries[a].key, entries[b].key)
            return c != 0 ? c < 0 : a < b
        }
        var result: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] = []
        result.reserveCapacity(order.count)
        for i in order {
            if let last = result.last, Self.compare(last.key, entries[i].key) == 0 {
                result[result.count - 1].value = entries[i].value
            } else {
                result.append(entries[i])
            }
        }
        return result
    }

    /// Keys with non-ASCII bytes: Swift `String` semantics (canonical equivalence), exactly as a
    /// decoded `[String: String]` and `keys.sorted()` behave. Rare; allocates.
    static func sortedAsStrings(_ entries: [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)])
        -> [(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer)] {
        var map: [String: UnsafeRawBufferPointer] = [:]
        var keyBytes: [String: UnsafeRawBufferPointer] = [:]
        for (k, v) in entries {
            let key = String(decoding: k, as: UTF8.self)
            map[key] = v
            if keyBytes[key] == nil { keyBytes[key] = k }
        }
        return map.keys.sorted().map { (keyBytes[$0]!, map[$0]!) }
    }

    static func compare(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
        let n = min(a.count, b.count)
        var i = 0
        while i < n {
            if a[i] != b[i] { return a[i] < b[i] ? -1 : 1 }
            i += 1
        }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

/// `Enrichment` of an `EventView` (what enrich workers added; merged across appended occurrences).
public struct EnrichmentView {
    @usableFromInline let buffer: UnsafeRawBufferPointer
    @usableFromInline let m: MessageView
    @inlinable @inline(__always) init(buffer: UnsafeRawBufferPointer, m: MessageView) { self.buffer = buffer; self.m = m }

    @inlinable @inline(__always) public var isPresent: Bool { m.isPresent }
    @inlinable @inline(__always) public var timeIso8601: UnsafeRawBufferPointer { m.bytes(1, in: buffer) }
    @inlinable @inline(__always) public var latencyMs: Double { Double(bitPattern: m.value(2)) }
    @inlinable @inline(__always) public var errnoName: UnsafeRawBufferPointer { m.bytes(3, in: buffer) }
    @inlinable @inline(__always) public var enrichedBy: UnsafeRawBufferPointer { m.bytes(4, in: buffer) }
    @inlinable @inline(__always) public var flagsText: UnsafeRawBufferPointer { m.bytes(5, in: buffer) }
    @inlinable @inline(__always) public var modeText: UnsafeRawBufferPointer { m.bytes(6, in: buffer) }
    @inlinable @inline(__always) public var familyName: UnsafeRawBufferPointer { m.bytes(7, in: buffer) }
    @inlinable @inline(__always) public var protocolName: UnsafeRawBufferPointer { m.bytes(8, in: buffer) }
    @inlinable @inline(__always) public var localIp: UnsafeRawBufferPointer { m.bytes(9, in: buffer) }
    @inlinable @inline(__always) public var remoteIp: UnsafeRawBufferPointer { m.bytes(10, in: buffer) }
    @inlinable @inline(__always) public var service: UnsafeRawBufferPointer { m.bytes(11, in: buffer) }
    @inlinable @inline(__always) public var remoteHostname: UnsafeRawBufferPointer { m.bytes(12, in: buffer) }
    @inlinable @inline(__always) public var sensitive: Bool { m.value(13) != 0 }
}
