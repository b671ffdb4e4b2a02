import CLibbpf
#if canImport(Glibc)
import Glibc
#endif

/// A failed step while loading, attaching or talking to a BPF object: which step, the errno the
/// kernel/libbpf returned (with its strerror text) and the tail of libbpf's own log (e.g. the
/// verifier output) when there is one.
public struct BPFError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was being done, e.g. "bpf_object__load(/path/execve.bpf.o)".
    public var step: String
    /// Positive errno (0 when not applicable).
    public var errno: Int32
    /// Extra context: libbpf log lines, hints.
    public var detail: String

    public init(step: String, errno: Int32, detail: String = "") {
        self.step = step
        self.errno = errno
        self.detail = detail
    }

    /// Builds the error from a libbpf return code (negative errno) or the thread's errno.
    static func libbpf(_ step: String, code: Int32? = nil, hint: String = "") -> BPFError {
        let err = abs(code ?? Glibc.errno)
        var detail = hint
        let log = LibbpfLog.shared.tail()
        if !log.isEmpty { detail += (detail.isEmpty ? "" : "\n") + "libbpf log:\n" + log }
        return BPFError(step: step, errno: err, detail: detail)
    }

    public var description: String {
        var s = "BPF: \(step) failed"
        if errno != 0 { s += ": \(Self.message(for: errno)) (errno \(errno))" }
        if !detail.isEmpty { s += "\n" + detail }
        return s
    }

    /// strerror text, including libbpf's own codes (LIBBPF_ERRNO__*, 4000+).
    static func message(for errno: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        if libbpf_strerror(errno, &buffer, buffer.count) == 0 || buffer[0] != 0 {
            return buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        return String(cString: strerror(errno))
    }
}
