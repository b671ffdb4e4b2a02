import Foundation
import InfraSightCore

/// The rules in force: the built-in defaults, then each `--rules` file in order (later files override or
/// append to earlier names). Rules are indexed by the probes they can match, so an event meets only the
/// rules that could fire on it.
public struct RuleBook {
    public let rules: [CompiledRule]
    /// Indices into `rules` per probe.
    let byProbe: [Probe: [Int]]
    /// The files it was read from, and their modification times, to notice a change.
    public let files: [String]
    let fingerprint: [String: Date]
    /// The longest window of any stateful rule (how long a process's events may be kept).
    public let longestWindowNs: UInt64

    /// Reads the defaults (unless `includeDefaults` is false) and `files`; any error names the place.
    public init(files: [String], includeDefaults: Bool = true) throws(RuleError) {
        var compiler = RuleCompiler()
        if includeDefaults {
            try compiler.add(try RuleFileReader.read(yaml: DefaultRules.yaml, file: DefaultRules.fileName))
        }
        var fingerprint: [String: Date] = [:]
        for file in files {
            let text: String
            do {
                text = try String(contentsOfFile: file, encoding: .utf8)
            } catch {
                throw RuleError(file: file, line: 0, message: "cannot read the rules file: \(error.localizedDescription)")
            }
            fingerprint[file] = Self.modified(file)
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

    private init(rules: [CompiledRule], files: [String], fingerprint: [String: Date]) {
        self.rules = rules
        self.files = files
        self.fingerprint = fingerprint
        var byProbe: [Probe: [Int]] = [:]
        for probe in Probe.allCases {
            byProbe[probe] = rules.indices.filter { rules[$0].probes?.contains(probe) ?? true }
        }
        self.byProbe = byProbe
        longestWindowNs = rules.map(\.windowNs).max() ?? 0
    }

    /// Whether any file changed (modification time, or appeared or vanished) since it was read.
    public var filesChanged: Bool {
        files.contains { Self.modified($0) != fingerprint[$0] }
    }

    private static func modified(_ file: String) -> Date? {
        (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date
    }
}
