import InfraSightCore

/// One event as rules see it: the wire view, read in place, plus the few values that are worked out
/// from it (the resolved path, the command line) once per event and only when a rule asks.
///
/// Why: most rules look at one or two fields of most events; building a dictionary of every field
/// per event would cost more than all the rules together.
public struct EventFacts {
    public let event: EventView
    public let probe: Probe
    private var resolved: [UInt8]?
    /// Set once the passed path was found to need no resolving, so later rules skip the check.
    private var passedIsResolved = false
    private var commandLine: [UInt8]?

    public init(event: EventView, probe: Probe) {
        self.event = event
        self.probe = probe
    }

    /// The path the event names as the process passed it: open and chmod's path, execve's filename,
    /// a unix socket's path, mount's target, the name a link event creates or removes.
    public var passedPath: UnsafeRawBufferPointer {
        switch probe {
        case .open: return event.open.path
        case .chmod: return event.chmod.path
        case .execve: return event.exec.filename
        case .connect, .accept: return event.socket.unixPath
        case .dup: return event.dup.unixPath
        case .mount: return event.mount.target
        case .link: return event.link.path
        case .kernel: return event.kernel.resolvedPath
        case .exit, .ptrace, .setid, .socket, .bind, .sendto: return UnsafeRawBufferPointer(start: nil, count: 0)
        }
    }

    /// Whether the passed path is relative to the working directory (AT_FDCWD) or absolute, so that
    /// joining it with the process's cwd names the file; a relative path against another dirfd cannot
    /// be resolved here and is left as passed.
    private var resolvesAgainstCwd: Bool {
        switch probe {
        case .open: return event.open.dirfd == PathResolution.atFDCWD || event.open.dirfd == 0
        case .chmod:
            let syscall = event.chmod.syscall
            if ByteText.equals(syscall, "fchmod") { return false }
            if ByteText.equals(syscall, "chmod") { return true }
            return event.chmod.fd == PathResolution.atFDCWD
        case .execve:
            return !ByteText.equals(event.exec.syscall, "execveat") || event.exec.dirfd == PathResolution.atFDCWD
        case .link: return event.link.dirfd == PathResolution.atFDCWD
        default: return true
        }
    }

    /// The path the event names as the kernel resolved it at the syscall (`resolved_path` of open, chmod
    /// and execve: the file reached, symlinks followed, or the passed path joined onto the cwd / dirfd
    /// read then), read in place. Without it (an older agent, other probes): the passed path made
    /// absolute against the process's cwd and normalised (`.`, `..`, `//`), lexically: symlinks are not
    /// followed. Absolute paths are normalised too.
    public mutating func withResolvedPath<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        let kernel: UnsafeRawBufferPointer
        switch probe {
        case .open: kernel = event.open.resolvedPath
        case .chmod: kernel = event.chmod.resolvedPath
        case .execve: kernel = event.exec.resolvedPath
        case .link: kernel = event.link.resolvedPath
        case .kernel: kernel = event.kernel.resolvedPath
        default: kernel = UnsafeRawBufferPointer(start: nil, count: 0)
        }
        if !kernel.isEmpty { return body(kernel) }
        if let resolved { return resolved.withUnsafeBytes(body) }
        let passed = passedPath
        // The usual case, an absolute path already in normal form, is read in place: no copy per event.
        if passedIsResolved { return body(passed) }
        if passed.isEmpty || !resolvesAgainstCwd || PathResolution.isNormalAbsolute(passed) {
            passedIsResolved = true
            return body(passed)
        }
        let made = PathResolution.lexical(passed, cwd: event.process.cwd)
        resolved = made
        return made.withUnsafeBytes(body)
    }

    /// execve's argv joined with spaces (empty for other probes).
    public mutating func withCommandLine<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        if commandLine == nil {
            var line: [UInt8] = []
            if probe == .execve {
                event.exec.forEachArg { arg in
                    if !line.isEmpty { line.append(0x20) }
                    line.append(contentsOf: arg)
                }
            }
            commandLine = line
        }
        return commandLine!.withUnsafeBytes(body)
    }
}
