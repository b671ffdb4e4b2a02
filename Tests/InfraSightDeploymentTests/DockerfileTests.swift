import Foundation
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The root Dockerfile and .dockerignore. There is no Docker daemon where these tests run, so the image is
/// not built here; the tests check the Dockerfile's structure and that every file it COPYs from the build
/// context exists and survives .dockerignore (the classic way such a build breaks), and they run the
/// image's health-check script against a real HTTP server.
final class DockerfileTests: XCTestCase {
    struct Instruction { let stage: Int; let keyword: String; let arguments: String }

    /// Instructions with line continuations joined and comments dropped; `stage` counts FROMs (0 = before the first).
    private func instructions() throws -> [Instruction] {
        let text = try String(contentsOfFile: Deploy.path("Dockerfile"), encoding: .utf8)
        var logical: [String] = [], pending = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") { pending += line.dropLast() + " "; continue }
            pending += line
            if !pending.trimmingCharacters(in: .whitespaces).isEmpty { logical.append(pending) }
            pending = ""
        }
        var stage = 0
        return logical.map { line in
            let keyword = String(line.prefix { !$0.isWhitespace }).uppercased()
            if keyword == "FROM" { stage += 1 }
            return Instruction(stage: stage, keyword: keyword,
                               arguments: String(line.dropFirst(keyword.count)).trimmingCharacters(in: .whitespaces))
        }
    }

    func testMultiStageBuildOnSwiftBookwormWithSlimRuntime() throws {
        let ins = try instructions()
        var args: [String: String] = [:]
        for i in ins where i.keyword == "ARG" && i.stage == 0 {
            let parts = i.arguments.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { args[parts[0]] = parts[1] }
        }
        func resolve(_ s: String) -> String {
            args.reduce(s) { $0.replacingOccurrences(of: "${\($1.key)}", with: $1.value) }
        }
        let froms = ins.filter { $0.keyword == "FROM" }.map { resolve($0.arguments) }
        XCTAssertEqual(froms.count, 2, "stages: \(froms)")
        // Swift >= 6.3: its clang has the BPF target (6.1's did not, and the image could not build).
        XCTAssertTrue(froms[0].range(of: #"^swift:6\.([3-9]|\d\d)(\.\d+)?-bookworm AS builder$"#, options: .regularExpression) != nil, froms[0])
        XCTAssertEqual(froms[1], "debian:bookworm-slim AS runtime")

        let builderRuns = ins.filter { $0.stage == 1 && $0.keyword == "RUN" }.map(\.arguments).joined(separator: "\n")
        XCTAssertTrue(builderRuns.contains("apt-get source --download-only librdkafka/trixie"), "librdkafka 2.8 from source")
        XCTAssertTrue(builderRuns.contains("pkg-config --atleast-version=2.8.0 rdkafka"))
        XCTAssertTrue(builderRuns.contains("make -C bpf"))
        XCTAssertTrue(builderRuns.contains("swift build -c release --product infrasight"))
        XCTAssertTrue(builderRuns.contains("test -s bpf/build/vmlinux.h"), "fails early without vmlinux.h")

        let runtime = ins.filter { $0.stage == 2 }
        let runtimeRuns = runtime.filter { $0.keyword == "RUN" }.map(\.arguments).joined(separator: "\n")
        for lib in ["libbpf1", "libelf1", "zlib1g", "libcurl4", "libssl3", "libsasl2-2", "libzstd1", "liblz4-1", "ca-certificates"] {
            XCTAssertTrue(runtimeRuns.contains(" \(lib)"), "runtime lacks \(lib)")
        }
        XCTAssertNil(runtimeRuns.range(of: #"\S+-dev\b"#, options: .regularExpression), "build packages in the runtime stage")
        XCTAssertTrue(runtimeRuns.contains("ldconfig"))
        let copies = runtime.filter { $0.keyword == "COPY" }.map(\.arguments)
        XCTAssertTrue(copies.contains("--from=builder /out/ /"), "\(copies)")
        let builderPayload = builderRuns
        XCTAssertTrue(builderPayload.contains("/out/usr/local/bin/infrasight"))
        XCTAssertTrue(builderPayload.contains("/out/usr/local/share/infrasight/bpf"))
        XCTAssertTrue(builderPayload.contains("/out/usr/local/lib/"))
        let user = try XCTUnwrap(runtime.last { $0.keyword == "USER" }?.arguments)
        XCTAssertFalse(["root", "0", "0:0"].contains(user), "runtime default user is root")
        XCTAssertEqual(runtime.last { $0.keyword == "ENTRYPOINT" }?.arguments, #"["/usr/local/bin/infrasight"]"#)
        // The BTF requirement is documented where a reader of the Dockerfile looks.
        let text = try String(contentsOfFile: Deploy.path("Dockerfile"), encoding: .utf8)
        XCTAssertTrue(text.contains("/sys/kernel/btf/vmlinux") && text.contains("make bpf"))
    }

    func testCopiedContextFilesExistAndPassDockerignore() throws {
        let ignore = try DockerIgnore(path: Deploy.path(".dockerignore"))
        for i in try instructions() where i.keyword == "COPY" && !i.arguments.hasPrefix("--from") {
            var parts = i.arguments.split(separator: " ").map(String.init)
            parts.removeLast()   // destination
            for source in parts {
                let clean = source.hasSuffix("/") ? String(source.dropLast()) : source
                if clean.contains("*") { continue }   // optional globs such as Package.resolved*
                XCTAssertTrue(FileManager.default.fileExists(atPath: Deploy.path(clean)), "COPY source \(clean) missing")
                XCTAssertFalse(ignore.excludes(clean), "COPY source \(clean) is excluded by .dockerignore")
            }
        }
        XCTAssertFalse(ignore.excludes("bpf/build/vmlinux.h"), "vmlinux.h must reach the builder")
        XCTAssertTrue(ignore.excludes("bpf/build/execve.bpf.o"), "host-built BPF objects leak into the build")
        for dir in [".deps/librdkafka/lib/librdkafka.so", ".build/release/infrasight", ".build-deploy/x", ".git/HEAD"] {
            XCTAssertTrue(ignore.excludes(dir), "\(dir) should not be in the build context")
        }
        for needed in ["Package.swift", "Sources/infrasight/AgentCommand.swift", "Tests/InfraSightTestSupport/ProjectPaths.swift",
                       "bpf/execve.bpf.c", "bpf/Makefile", "deploy/docker/infrasight-healthcheck"] {
            XCTAssertFalse(ignore.excludes(needed), "\(needed) is needed by the build")
        }
    }

    /// deploy/docker/infrasight-healthcheck against a real local HTTP server: 200 → 0, anything else → 1.
    func testHealthcheckScriptAgainstAnHTTPServer() throws {
        let python = try Deploy.requireTool(ProjectPaths.python, "Python of the test venv")
        let port = try FreePort.next()
        let server = """
        import http.server, sys
        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                code = 200 if self.path == '/healthz' else 503
                self.send_response(code); self.send_header('Content-Length', '2'); self.end_headers()
                self.wfile.write(b'ok')
            def log_message(self, *a): pass
        http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), H).serve_forever()
        """
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("healthz-\(port).log").path
        let child = try ChildProcess(name: "healthz-server", executable: python, arguments: ["-c", server, String(port)], logPath: log)
        defer { child.stop(grace: 2) }
        XCTAssertTrue(FreePort.waitUntilListening(port, timeout: 10), child.output())
        let script = Deploy.path("deploy/docker/infrasight-healthcheck")
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: script), "\(script) must be executable")
        XCTAssertEqual(try Deploy.run(script, [String(port)]).status, 0)
        XCTAssertEqual(try Deploy.run(script, ["127.0.0.1:\(port)", "/healthz"]).status, 0)
        let bad = try Deploy.run(script, [String(port), "/broken"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertTrue(bad.stderr.contains("503"), bad.stderr)
        let closed = try FreePort.next()
        XCTAssertNotEqual(try Deploy.run(script, [String(closed)]).status, 0, "nothing listening must be unhealthy")
    }
}

/// .dockerignore semantics as Docker applies them: patterns in order, `!` re-includes, a pattern matches a
/// path or any of its parent folders, `**/` matches at any depth.
struct DockerIgnore {
    private var rules: [(pattern: String, negated: Bool)] = []

    init(path: String) throws {
        for raw in try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n") {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let negated = line.hasPrefix("!")
            if negated { line.removeFirst() }
            while line.hasPrefix("/") { line.removeFirst() }
            rules.append((line, negated))
        }
    }

    func excludes(_ path: String) -> Bool {
        var excluded = false
        for rule in rules where matches(rule.pattern, path) { excluded = !rule.negated }
        return excluded
    }

    private func matches(_ pattern: String, _ path: String) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        // The path itself or any parent folder.
        for n in 1...components.count {
            let prefix = components.prefix(n).joined(separator: "/")
            if glob(pattern, prefix) { return true }
            if pattern.hasPrefix("**/") {
                for start in 0..<n where glob(String(pattern.dropFirst(3)), components[start..<n].joined(separator: "/")) {
                    return true
                }
            }
        }
        return false
    }

    private func glob(_ pattern: String, _ path: String) -> Bool {
        fnmatch(pattern, path, FNM_PATHNAME) == 0
    }
}
