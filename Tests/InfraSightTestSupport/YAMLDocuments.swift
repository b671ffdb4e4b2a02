import Foundation

/// YAML files (compose, Kubernetes manifests) parsed by PyYAML from the test venv into JSON trees: one
/// parser that every test shares, and the one Kubernetes and Compose users' tools agree with.
public enum YAMLDocuments {
    /// Every non-empty document of `text`.
    public static func parse(_ text: String) throws -> [Any] {
        let python = ProjectPaths.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestSupportError("Python of the test venv not found at \(python): run `make deps`")
        }
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-yaml-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let input = tmp.appendingPathComponent("in.yaml"), out = tmp.appendingPathComponent("out.json"),
            err = tmp.appendingPathComponent("err")
        try Data(text.utf8).write(to: input)
        FileManager.default.createFile(atPath: out.path, contents: nil)
        FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", """
            import json, sys, yaml
            docs = [d for d in yaml.safe_load_all(open(sys.argv[1]).read()) if d is not None]
            json.dump(docs, sys.stdout)
            """, input.path]
        let outHandle = try FileHandle(forWritingTo: out), errHandle = try FileHandle(forWritingTo: err)
        p.standardOutput = outHandle
        p.standardError = errHandle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        try? outHandle.close(); try? errHandle.close()
        guard p.terminationStatus == 0 else {
            let message = (try? String(contentsOf: err, encoding: .utf8)) ?? ""
            throw TestSupportError("YAML did not parse (PyYAML from \(python); `make deps` installs it): \(message)")
        }
        guard let docs = try JSONSerialization.jsonObject(with: Data(contentsOf: out)) as? [Any] else {
            throw TestSupportError("unexpected YAML→JSON output")
        }
        return docs
    }

    /// Every document of the file at `path`, each a mapping.
    public static func mappings(file path: String) throws -> [[String: Any]] {
        try parse(String(contentsOfFile: path, encoding: .utf8)).map {
            guard let d = $0 as? [String: Any] else { throw TestSupportError("\(path): a document is not a mapping") }
            return d
        }
    }
}
