import CLibbpf
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Collects libbpf's log messages (warnings and info, e.g. the verifier log of a refused program)
/// so that `BPFError` can show them. Installed once per process with `libbpf_set_print`; the
/// callback takes a `va_list`, formatted with `vsnprintf` (no variadic Swift closure involved).
final class LibbpfLog: @unchecked Sendable {
    static let shared = LibbpfLog()
    private let lock = NSLock()
    private var text = ""
    private var installed = false
    private static let capacity = 64 * 1024

    /// Routes libbpf's messages here (idempotent).
    func install() {
        lock.lock(); defer { lock.unlock() }
        guard !installed else { return }
        installed = true
        _ = libbpf_set_print(libbpfPrintCallback)
    }

    func append(_ line: String) {
        lock.lock(); defer { lock.unlock() }
        text += line
        if text.utf8.count > Self.capacity { text = String(text.suffix(Self.capacity / 2)) }
    }

    /// Forgets earlier messages (called before a new load so errors show only relevant lines).
    func reset() {
        lock.lock(); defer { lock.unlock() }
        text = ""
    }

    /// The last `maxBytes` of the log.
    func tail(maxBytes: Int = 4096) -> String {
        lock.lock(); defer { lock.unlock() }
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.utf8.count > maxBytes ? "…" + String(t.suffix(maxBytes)) : t
    }
}

private let libbpfPrintCallback: libbpf_print_fn_t = { level, format, args in
    guard let format, let args, level != LIBBPF_DEBUG else { return 0 }
    var buffer = [CChar](repeating: 0, count: 2048)
    let n = buffer.withUnsafeMutableBufferPointer { vsnprintf($0.baseAddress, $0.count, format, args) }
    LibbpfLog.shared.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
    return n
}
