import Foundation

/// Runs SQL in chDB — an embedded *current* ClickHouse (PyPI chdb-core, 26.x) from the project venv — so tests can
/// check that bytes and schemas made for Debian's 18.16 server are also right for the ClickHouse production runs.
///
/// Placeholders: `{file:NAME}` in a statement is replaced by the absolute path of `files[NAME]`, written to a
/// temporary folder first. To ingest a RowBinary body exactly as the sink POSTs it (the server parses it with the
/// table's column types, like an HTTP `INSERT ... FORMAT RowBinary`):
///
///     INSERT INTO t (a, b, c) FROM INFILE '{file:rows}' FORMAT RowBinary
///
/// (`INSERT INTO t SELECT * FROM file('{file:rows}', 'RowBinary', 'a UInt32, b String')` also works when the file's
/// structure should be spelled out.) All statements run in one session; tables persist across them. The process runs
/// with TZ=UTC. Returns the output of the last statement (chDB's default format is CSV; say `FORMAT TabSeparated`).
public enum ChDB {
    public static var script: String { ProjectPaths.root.appendingPathComponent("Tests/tools/chdb_exec.py").path }

    public static func run(statements: [String], files: [String: [UInt8]] = [:]) throws -> String {
        let python = ProjectPaths.python
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw TestSupportError("project venv python not found at \(python): run `make deps` (it installs chdb-core)")
        }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("infrasight-chdb-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        var paths: [String: String] = [:]
        for (name, bytes) in files {
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }),
                  name != ".", name != ".." else {
                throw TestSupportError("ChDB: bad file name '\(name)' (use letters, digits, _ - .)")
            }
            let path = dir + "/input-" + name
            guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
                throw TestSupportError("ChDB: cannot write \(path)")
            }
            paths[name] = path
        }
        let resolved = try statements.map { try substitute($0, paths: paths) }

        let stdinPath = dir + "/statements.json"
        let stdoutPath = dir + "/stdout"
        let stderrPath = dir + "/stderr"
        try JSONSerialization.data(withJSONObject: resolved).write(to: URL(fileURLWithPath: stdinPath))
        _ = FileManager.default.createFile(atPath: stdoutPath, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrPath, contents: nil)
        let input = try FileHandle(forReadingFrom: URL(fileURLWithPath: stdinPath))
        let output = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        defer { try? input.close(); try? output.close(); try? errors.close() }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = [script, "--session", dir + "/session"]
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        p.environment = env
        p.standardInput = input
        p.standardOutput = output
        p.standardError = errors
        try p.run()
        p.waitUntilExit()
        let err = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
        guard p.terminationStatus == 0 else {
            throw TestSupportError("chDB failed (exit \(p.terminationStatus)):\n\(err)")
        }
        let data = FileManager.default.contents(atPath: stdoutPath) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// Replaces every `{file:NAME}`; an unknown NAME is an error.
    static func substitute(_ sql: String, paths: [String: String]) throws -> String {
        var result = ""
        var rest = Substring(sql)
        while let open = rest.range(of: "{file:") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { break }
            let name = String(rest[open.upperBound..<close])
            guard let path = paths[name] else {
                throw TestSupportError("ChDB: statement references {file:\(name)} but no such file was given (have: \(paths.keys.sorted()))")
            }
            result += rest[..<open.lowerBound] + path
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }
}
