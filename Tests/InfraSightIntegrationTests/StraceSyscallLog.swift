import Foundation

/// The syscalls `strace -o FILE` wrote, parsed: name, numeric arguments, return value.
///
/// Why: strace decodes syscalls through ptrace, independently of the BPF probes, so what it saw is the
/// oracle an integration test compares the agent's events with.
struct StraceSyscallLog {
    struct Call: Equatable, CustomStringConvertible {
        let name: String
        /// The arguments as strace printed them, split at top-level commas (structs stay one argument).
        let arguments: [String]
        /// >= 0, or -errno.
        let ret: Int64
        var description: String { "\(name)(\(arguments.joined(separator: ", "))) = \(ret)" }

        /// Argument `i` as a number (strace prints (uid_t)-1 as -1), nil when it is not one.
        func number(_ i: Int) -> Int64? { i < arguments.count ? Int64(arguments[i]) : nil }
    }

    let calls: [Call]

    /// errno names strace prints after `= -1`, for the failures the tests provoke.
    static let errnos: [String: Int64] = ["EPERM": 1, "ENOENT": 2, "ESRCH": 3, "EFAULT": 14, "EINVAL": 22]

    init(contentsOf path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        calls = try text.split(separator: "\n").compactMap { try Self.parse(String($0)) }
    }

    /// One line: `name(args)  = ret [ERRNO (text)]`; nil for strace's own notes (`+++ exited +++`).
    static func parse(_ line: String) throws -> Call? {
        // strace pads short calls to a column: `setuid(0)            = 0`
        guard let open = line.firstIndex(of: "("), let eq = line.range(of: " = ", options: .backwards) else { return nil }
        let call = line[..<eq.lowerBound].trimmingCharacters(in: .whitespaces)
        let name = String(line[..<open])
        guard call.hasSuffix(")"), !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { return nil }
        let args = splitTopLevel(String(call[call.index(after: call.firstIndex(of: "(")!)..<call.index(before: call.endIndex)]))
        let result = line[eq.upperBound...].split(separator: " ")
        guard let first = result.first, let value = Int64(first) else {
            throw StraceLogError("unreadable return value: \(line)")
        }
        if value == -1, result.count > 1 {
            guard let errno = errnos[String(result[1])] else { throw StraceLogError("unknown errno: \(line)") }
            return Call(name: name, arguments: args, ret: -errno)
        }
        return Call(name: name, arguments: args, ret: value)
    }

    static func splitTopLevel(_ s: String) -> [String] {
        var parts: [String] = [], current = "", depth = 0
        for c in s {
            switch c {
            case "{", "[", "(": depth += 1; current.append(c)
            case "}", "]", ")": depth -= 1; current.append(c)
            case "," where depth == 0: parts.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            default: current.append(c)
            }
        }
        if !current.trimmingCharacters(in: .whitespaces).isEmpty { parts.append(current.trimmingCharacters(in: .whitespaces)) }
        return parts
    }
}

struct StraceLogError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
