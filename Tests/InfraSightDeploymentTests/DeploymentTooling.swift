import Foundation
import InfraSightTestSupport
import XCTest

/// Paths and tools of the deployment tests. Every tool is a real program installed by `make deps`;
/// a missing one fails the test (never skips it).
enum Deploy {
    static var root: URL { ProjectPaths.root }
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    /// Venv with docker-compose 1.29.2 (its jsonschema<4 / PyYAML<6 pins clash with kubernetes-validate,
    /// so scripts/deps.sh keeps it apart from .deps/venv).
    static var deployVenv: URL { ProjectPaths.deps.appendingPathComponent("venv-deploy") }
    static var dockerCompose: String { deployVenv.appendingPathComponent("bin/docker-compose").path }
    /// kubernetes-validate lives in the main test venv (.deps/venv), next to ProjectPaths.python.
    static var kubernetesValidate: String {
        ProjectPaths.deps.appendingPathComponent("venv/bin/kubernetes-validate").path
    }
    /// Kubernetes version the manifests are validated against.
    static let kubernetesVersion = "1.30.0"

    static var composeFile: String { path("compose/docker-compose.yml") }

    /// Fails with a `make deps` hint when `path` is not an executable file.
    static func requireTool(_ path: String, _ what: String,
                            hint: String = "run `make deps` (scripts/deps.sh installs it)") throws -> String {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestSupportError("\(what) not found at \(path): \(hint)")
        }
        return path
    }

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
        var combined: String { stdout + (stderr.isEmpty ? "" : "\n" + stderr) }
    }

    /// Runs a program to completion, capturing stdout and stderr through temporary files (no pipe deadlocks).
    static func run(_ executable: String, _ arguments: [String], stdin: String? = nil,
                    environment: [String: String] = [:], currentDirectory: String? = nil) throws -> Result {
        let tmp = FileManager.default.temporaryDirectory
            .appendingPathComponent("infrasight-deploy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let out = tmp.appendingPathComponent("stdout"), err = tmp.appendingPathComponent("stderr")
        let input = tmp.appendingPathComponent("stdin")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        FileManager.default.createFile(atPath: input.path, contents: Data((stdin ?? "").utf8))
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        p.environment = env
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        let inHandle = try FileHandle(forReadingFrom: input)
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = inHandle
        if let dir = currentDirectory { p.currentDirectoryURL = URL(fileURLWithPath: dir) }
        try p.run()
        p.waitUntilExit()
        try? outHandle.close(); try? errHandle.close(); try? inHandle.close()
        return Result(status: p.terminationStatus,
                      stdout: (try? String(contentsOf: out, encoding: .utf8)) ?? "",
                      stderr: (try? String(contentsOf: err, encoding: .utf8)) ?? "")
    }

    /// Parses YAML (all documents) with PyYAML from the test venv (`YAMLDocuments`).
    static func yamlDocuments(_ text: String) throws -> [Any] { try YAMLDocuments.parse(text) }

    static func yamlDocuments(file: String) throws -> [[String: Any]] { try YAMLDocuments.mappings(file: file) }

    static func jsonObject(file: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: file))
        guard let obj = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestSupportError("\(file): not a JSON object")
        }
        return obj
    }
}

/// Small accessors for JSON-ish trees.
extension Dictionary where Key == String, Value == Any {
    func dict(_ key: String) -> [String: Any]? { self[key] as? [String: Any] }
    func array(_ key: String) -> [Any]? { self[key] as? [Any] }
    func string(_ key: String) -> String? {
        switch self[key] {
        case let s as String: return s
        case let n as NSNumber: return n.stringValue
        default: return nil
        }
    }
    /// `a.b.c` lookups through nested mappings.
    func at(_ path: String) -> Any? {
        var current: Any? = self
        for part in path.split(separator: ".") {
            current = (current as? [String: Any])?[String(part)]
        }
        return current
    }
}

func stringList(_ value: Any?) -> [String] {
    (value as? [Any])?.compactMap { v -> String? in
        if let s = v as? String { return s }
        if let n = v as? NSNumber { return n.stringValue }
        return nil
    } ?? []
}

/// True if `value` (any JSON tree) contains `"privileged": true` anywhere.
func containsPrivilegedTrue(_ value: Any) -> Bool {
    if let d = value as? [String: Any] {
        if let p = d["privileged"] as? Bool, p { return true }
        return d.values.contains(where: containsPrivilegedTrue)
    }
    if let a = value as? [Any] { return a.contains(where: containsPrivilegedTrue) }
    return false
}
