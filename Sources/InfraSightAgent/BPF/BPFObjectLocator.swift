import Foundation

/// Finds compiled BPF objects: $INFRASIGHT_BPF_DIR, <executable dir>/../share/infrasight/bpf,
/// <executable dir>/bpf, ./bpf/build, and the repo's bpf/build found by walking up from the
/// executable.
public enum BPFObjectLocator {
    /// The object could not be found anywhere; lists where it looked.
    public struct NotFound: Error, CustomStringConvertible, Sendable {
        public var name: String
        public var searched: [String]
        public var description: String {
            "BPF object '\(name)' not found (build it with `make -C bpf`); looked in:\n  "
                + searched.joined(separator: "\n  ")
        }
    }

    /// Path of `name` (e.g. "execve.bpf.o"; "execve" is accepted too) in the first place that has it.
    public static func path(for name: String) throws -> String {
        let candidates = candidates(for: name)
        for path in candidates where FileManager.default.isReadableFile(atPath: path) { return path }
        throw NotFound(name: name, searched: candidates)
    }

    /// Every candidate path, in search order.
    public static func candidates(for name: String,
                                  environment: [String: String] = ProcessInfo.processInfo.environment,
                                  executablePath: String? = currentExecutablePath(),
                                  currentDirectory: String = FileManager.default.currentDirectoryPath) -> [String] {
        let file = name.hasSuffix(".o") ? name : name + ".bpf.o"
        var dirs: [String] = []
        if let dir = environment["INFRASIGHT_BPF_DIR"], !dir.isEmpty { dirs.append(dir) }
        if let exe = executablePath {
            let exeDir = URL(fileURLWithPath: exe).deletingLastPathComponent().standardizedFileURL
            dirs.append(exeDir.appendingPathComponent("../share/infrasight/bpf").standardizedFileURL.path)
            dirs.append(exeDir.appendingPathComponent("bpf").path)
            dirs.append(URL(fileURLWithPath: currentDirectory).appendingPathComponent("bpf/build").path)
            var dir = exeDir
            while dir.path != "/" {
                dir.deleteLastPathComponent()
                dirs.append(dir.appendingPathComponent("bpf/build").path)
            }
        } else {
            dirs.append(URL(fileURLWithPath: currentDirectory).appendingPathComponent("bpf/build").path)
        }
        var seen = Set<String>()
        return dirs.map { URL(fileURLWithPath: $0).appendingPathComponent(file).path }
            .filter { seen.insert($0).inserted }
    }

    /// The running executable, resolved through /proc/self/exe.
    public static func currentExecutablePath() -> String? {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
    }
}
