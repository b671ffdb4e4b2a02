#if canImport(Glibc)
import Glibc
#endif

/// Joins a passed path onto the directory the kernel looked it up from and normalises the result,
/// lexically: the second half of a resolved path when only a path string exists (chmod by path, a
/// failed open or exec; flag INFRASIGHT_F_RESOLVED_DIR in `bpf/include/infrasight_event.h`).
///
/// Why here and not in the kernel: the directory must be read at the syscall (the kernel walks the
/// cwd or dirfd then, `bpf/include/infrasight_path.h`), but joining and normalising strings is
/// cheaper and simpler in user space, and only these records need it.
///
/// Rules: an absolute passed path ignores the directory; otherwise `directory + "/" + passed`. Then
/// empty and `.` components are dropped and `..` removes the previous component (never above `/`),
/// as the kernel would if no component were a symlink. The result is absolute, without a trailing
/// slash (`/` for the root). An empty passed path names the directory itself (AT_EMPTY_PATH).
public enum LexicalPath {
    /// `passed` joined onto `directory` (bytes of the kernel's walk) and normalised. The usual cases
    /// cost at most one allocation: an absolute passed path already in normal form is returned as it
    /// is (its storage shared), a relative one without `.`, `..` or empty components is appended to
    /// the directory in one copy; anything else goes through `normalised`.
    public static func join(directory: UnsafeRawBufferPointer, passed: String) -> String {
        let slash = UInt8(ascii: "/")
        var utf8 = passed   // withUTF8 may make it native: a copy, so `passed` itself can be returned
        let made = utf8.withUTF8 { p -> String? in
            let bytes = UnsafeRawBufferPointer(p)
            let absolute = bytes.first == slash
            guard isNormal(bytes, absolute: absolute) else { return join(directory: directory, passed: bytes) }
            if absolute { return nil }   // already the answer
            guard !bytes.isEmpty, isNormal(directory, absolute: true) else { return join(directory: directory, passed: bytes) }
            let root = directory.count == 1   // "/": no second slash
            let total = directory.count + (root ? 0 : 1) + bytes.count
            return String(unsafeUninitializedCapacity: total) { out in
                let base = UnsafeMutableRawBufferPointer(out)
                base.copyMemory(from: directory)
                var at = directory.count
                if !root { base[at] = slash; at += 1 }
                UnsafeMutableRawBufferPointer(rebasing: base[at...]).copyMemory(from: bytes)
                return total
            }
        }
        return made ?? passed
    }

    /// Whether `path` needs no normalising: no empty, `.` or `..` component and no trailing slash;
    /// absolute: it starts with `/` (or is `/`), relative: it does not. Per event on failed opens: one
    /// memchr per component, no bounds checks.
    public static func isNormal(_ path: UnsafeRawBufferPointer, absolute: Bool) -> Bool {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        let n = path.count
        guard n > 0, let raw = path.baseAddress else { return !absolute }
        let base = raw.assumingMemoryBound(to: UInt8.self)
        if absolute {
            guard base[0] == slash else { return false }
            if n == 1 { return true }
        } else if base[0] == slash {
            return false
        }
        var start = absolute ? 1 : 0
        while true {
            let end = memchr(base + start, Int32(slash), n - start).map { UnsafeRawPointer($0) - raw } ?? n
            let length = end - start
            if length == 0 { return false }   // "//" or a trailing "/"
            if base[start] == dot && (length == 1 || (length == 2 && base[start + 1] == dot)) { return false }
            if end == n { return true }
            start = end + 1
        }
    }

    /// `passed` joined onto `directory` and normalised, both as bytes (the general case).
    public static func join(directory: UnsafeRawBufferPointer, passed: UnsafeRawBufferPointer) -> String {
        let slash = UInt8(ascii: "/")
        let absolute = passed.first == slash
        // Components as ranges into one joined buffer: directory (when relative) + "/" + passed.
        var joined: [UInt8] = []
        joined.reserveCapacity((absolute ? 0 : directory.count) + passed.count + 1)
        if !absolute { joined.append(contentsOf: directory) }
        joined.append(slash)
        joined.append(contentsOf: passed)
        return normalised(joined)
    }

    /// `path` made absolute and normalised (see the type's rules).
    public static func normalised(_ path: [UInt8]) -> String {
        let slash = UInt8(ascii: "/"), dot = UInt8(ascii: ".")
        // Kept components as start/end offsets, then written out once.
        var starts: [Int] = []
        var ends: [Int] = []
        starts.reserveCapacity(16)
        ends.reserveCapacity(16)
        var i = 0
        let n = path.count
        while i < n {
            while i < n && path[i] == slash { i += 1 }
            let start = i
            while i < n && path[i] != slash { i += 1 }
            let length = i - start
            if length == 0 || (length == 1 && path[start] == dot) { continue }
            if length == 2 && path[start] == dot && path[start + 1] == dot {
                if !starts.isEmpty { starts.removeLast(); ends.removeLast() }
                continue
            }
            starts.append(start)
            ends.append(i)
        }
        if starts.isEmpty { return "/" }
        var total = 0
        for k in starts.indices { total += 1 + ends[k] - starts[k] }
        return String(unsafeUninitializedCapacity: total) { out in
            var at = 0
            for k in starts.indices {
                out[at] = slash
                at += 1
                for j in starts[k]..<ends[k] {
                    out[at] = path[j]
                    at += 1
                }
            }
            return at
        }
    }
}
