import Foundation
import InfraSightCore

/// The rules in force: the built-in defaults, then each `--rules` file in order (later files override or
/// append to earlier names). Rules are indexed by the probes they can match, so an event meets only the
/// rules that could fire on it.
public struct RuleBook {
    public let rules: [CompiledRule]
    /// Indices into `rules` per probe.
    let byProbe: [Probe: [RuleEntry]]
    /// The files it was read from, and their modification times, to notice a change.
    public let files: [String]
    let fingerprint: [String: FileStamp]
    /// The longest window of any stateful rule (how long a process's events may be kept).
    public let longestWindowNs: UInt64

    /// Reads the defaults (unless `includeDefaults` is false) and `files`; any error names the place.
    public init(files: [String], includeDefaults: Bool = true) throws(RuleError) {
        var compiler = RuleCompiler()
        if includeDefaults {
            try compiler.add(try RuleFileReader.read(yaml: DefaultRules.yaml, file: DefaultRules.fileName))
        }
        var fingerprint: [String: FileStamp] = [:]
        for file in files {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw RuleError(file: file, line: 0, message: "cannot read the rules file: \(error.localizedDescription)")
            }
            fingerprint[file] = FileStamp(path: file)
            try compiler.add(try RuleFileReader.read(yaml: text, file: file))
        }
        self.init(rules: try compiler.compile(), files: files, fingerprint: fingerprint)
    }

    /// Rules from YAML text only (tests, `detect --check`).
    public init(yaml: String, file: String = "<text>", includeDefaults: Bool = false) throws(RuleError) {
        var compiler = RuleCompiler()
        if includeDefaults { try compiler.add(try RuleFileReader.read(yaml: DefaultRules.yaml, file: DefaultRules.fileName)) }
        try compiler.add(try RuleFileReader.read(yaml: yaml, file: file))
        self.init(rules: try compiler.compile(), files: [], fingerprint: [:])
    }

    private init(rules: [CompiledRule], files: [String], fingerprint: [String: FileStamp]) {
        self.rules = rules
        self.files = files
        self.fingerprint = fingerprint
        var byProbe: [Probe: [RuleEntry]] = [:]
        for probe in Probe.allCases {
            byProbe[probe] = rules.indices.filter { rules[$0].probes?.contains(probe) ?? true }.map { RuleEntry(index: $0, gate: rules[$0].gate(for: probe)) }
        }
        self.byProbe = byProbe
        longestWindowNs = rules.map(\.windowNs).max() ?? 0
    }

    /// Whether any file changed since it was read: another file behind the name (a replaced file, a
    /// re-pointed symlink as a Kubernetes ConfigMap update makes), a new modification time, or a file
    /// that appeared or vanished.
    public var filesChanged: Bool {
        files.contains { FileStamp(path: $0) != fingerprint[$0] }
    }
}

/// What identifies a file's content without reading it: the device, inode, size and modification time
/// of what the path leads to, symlinks followed (nil when it cannot be read).
struct FileStamp: Equatable {
    let device: UInt64
    let inode: UInt64
    let size: Int64
    let modifiedNs: Int64

    init?(path: String) {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
        size = Int64(st.st_size)
        modifiedNs = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
    }
}

/// A rule as the engine meets it for one probe: its index and its gate, plain values, so the engine can
/// turn an event away without touching the rule itself.
struct RuleEntry {
    let index: Int
    let gate: RuleGate
}
