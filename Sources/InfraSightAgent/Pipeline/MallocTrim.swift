import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Hands freed heap pages back to the kernel (glibc `malloc_trim(0)`, looked up at run time: the
/// Glibc module does not export it). Why: loading the BPF objects parses the kernel's BTF, megabytes
/// that are freed again but stay in the loading thread's malloc arena, resident, for the agent's life.
enum MallocTrim {
    private typealias Function = @convention(c) (Int) -> Int32

    private static let function: Function? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Function.self)
    }()

    /// Trims every arena; a no-op where the C library has no `malloc_trim`.
    static func trim() { _ = function?(0) }
}
