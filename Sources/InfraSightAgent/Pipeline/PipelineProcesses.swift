import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Finds the pipeline's own processes on this node (comm `infrasight`: other agents, enrich and
/// sink workers) by scanning /proc, so the agent can exclude them in the kernel and not trace the
/// pipeline's own file and network activity.
public enum PipelineProcesses {
    /// The command name of every InfraSight stage (the executable's name, ≤ 15 bytes).
    public static let comm = "infrasight"

    /// tgids under `procRoot` whose comm is `comm`.
    public static func scan(comm: String = comm, procRoot: String = "/proc") -> Set<UInt32> {
        var found = Set<UInt32>()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: procRoot) else { return found }
        for entry in entries {
            guard let pid = UInt32(entry), pid > 0 else { continue }
            guard let name = readComm(procRoot + "/" + entry + "/comm") else { continue }
            if name == comm { found.insert(pid) }
        }
        return found
    }

    /// Whether process `pid` exists.
    public static func alive(_ pid: UInt32, procRoot: String = "/proc") -> Bool {
        access(procRoot + "/\(pid)", F_OK) == 0
    }

    static func readComm(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buf = [UInt8](repeating: 0, count: 64)
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 64) }
        guard n > 0 else { return nil }
        var bytes = buf[0..<n]
        if bytes.last == 10 { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Effective capabilities of this process, from /proc/self/status (CapEff).
public struct AgentCapabilities: Sendable, Equatable {
    public static let sysAdmin = 21, perfmon = 38, bpf = 39, dacReadSearch = 2, sysResource = 24
    static let names = [sysAdmin: "CAP_SYS_ADMIN", perfmon: "CAP_PERFMON", bpf: "CAP_BPF",
                        dacReadSearch: "CAP_DAC_READ_SEARCH", sysResource: "CAP_SYS_RESOURCE"]
    public var effective: UInt64

    public init(effective: UInt64) { self.effective = effective }

    /// Parses the CapEff line of a /proc/<pid>/status text.
    public init?(status: String) {
        for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
            guard let v = UInt64(line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces), radix: 16) else { return nil }
            self.effective = v
            return
        }
        return nil
    }

    public static func current() -> AgentCapabilities? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        return AgentCapabilities(status: text)
    }

    public func has(_ cap: Int) -> Bool { effective & (UInt64(1) << UInt64(cap)) != 0 }

    /// Capabilities the agent needs and lacks: CAP_BPF and CAP_PERFMON (kernels ≥ 5.8), or
    /// CAP_SYS_ADMIN which covers both (and is the only way on older kernels). Empty: fine.
    public var missingForAgent: [String] {
        if has(Self.sysAdmin) { return [] }
        return [Self.bpf, Self.perfmon].filter { !has($0) }.compactMap { Self.names[$0] }
    }

    /// The refusal message when capabilities are missing (nil when the agent can start).
    public var refusal: String? {
        let missing = missingForAgent
        guard !missing.isEmpty else { return nil }
        return "the agent lacks \(missing.joined(separator: " and ")) (effective capabilities 0x\(String(effective, radix: 16))): "
            + "run it as root or grant CAP_BPF, CAP_PERFMON and CAP_DAC_READ_SEARCH (or CAP_SYS_ADMIN on kernels < 5.8; "
            + "kernels < 5.11 also need CAP_SYS_RESOURCE or a raised RLIMIT_MEMLOCK)"
    }
}
