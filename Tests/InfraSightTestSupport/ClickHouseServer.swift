import Foundation
import InfraSightClickHouse
#if canImport(Glibc)
import Glibc
#endif

/// A private ClickHouse server (Debian's clickhouse-server 18.16) for tests, run through
/// `scripts/clickhouse-server.sh` in a temporary folder on free ports. Stopped and deleted on deinit
/// (set INFRASIGHT_KEEP_TMP=1 to keep the folder). Throws — never skips — when the server binary is missing.
public final class ClickHouseServer {
    public let directory: String
    public let httpPort: Int
    public let tcpPort: Int
    private var removed = false

    /// "http://127.0.0.1:PORT"
    public var url: String { "http://127.0.0.1:\(httpPort)" }
    public var endpoint: ClickHouseEndpoint { ClickHouseEndpoint(baseURL: url) }

    public static var script: String { ProjectPaths.root.appendingPathComponent("scripts/clickhouse-server.sh").path }

    /// The server binary the script will use (CLICKHOUSE_SERVER_BIN, /usr/sbin, /usr/bin), or nil.
    public static var serverBinary: String? {
        if let bin = ProcessInfo.processInfo.environment["CLICKHOUSE_SERVER_BIN"] {
            return FileManager.default.isExecutableFile(atPath: bin) ? bin : nil
        }
        return ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"]
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Starts a fresh server. Retries with new ports if another process grabbed the chosen ones.
    public static func start() throws -> ClickHouseServer {
        guard serverBinary != nil else {
            throw TestSupportError("clickhouse-server not found in /usr/sbin or /usr/bin (nor CLICKHOUSE_SERVER_BIN): run `make deps`")
        }
        var template = Array((FileManager.default.temporaryDirectory.path + "/infrasight-ch-XXXXXX").utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TestSupportError("mkdtemp failed: errno \(errno)")
        }
        let dir = String(cString: made)
        var lastError: Error?
        for _ in 0..<3 {
            let http = try FreePort.next()
            var tcp = try FreePort.next()
            while tcp == http { tcp = try FreePort.next() }
            let server = ClickHouseServer(directory: dir, httpPort: http, tcpPort: tcp)
            do {
                try server.runScript(["start", dir, String(http), String(tcp)])
                return server
            } catch {
                lastError = error
                server.removed = true   // keep the folder for the next attempt
                _ = try? server.runScript(["stop", dir])
                guard "\(error)".contains("Address already in use") else { break }
            }
        }
        try? FileManager.default.removeItem(atPath: dir)
        throw lastError ?? TestSupportError("clickhouse-server did not start")
    }

    private init(directory: String, httpPort: Int, tcpPort: Int) {
        self.directory = directory
        self.httpPort = httpPort
        self.tcpPort = tcpPort
    }

    deinit {
        guard !removed else { return }
        _ = try? runScript(["stop", directory])
        if ProcessInfo.processInfo.environment["INFRASIGHT_KEEP_TMP"] == nil {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    /// The server's process id, if it is running.
    public var pid: Int32? {
        guard let text = try? String(contentsOfFile: directory + "/clickhouse.pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0,
              Self.isAlive(pid) else { return nil }
        return pid
    }

    /// SIGKILL, like a crash; waits until the process is gone. Data already committed stays on disk.
    public func kill() {
        guard let pid else { return }
        Glibc.kill(pid, SIGKILL)
        let deadline = Date().addingTimeInterval(10)
        while Self.isAlive(pid) && Date() < deadline { usleep(20_000) }
    }

    /// Graceful stop (SIGTERM, then SIGKILL after 15 s).
    public func stop() {
        _ = try? runScript(["stop", directory])
    }

    /// Stops the server if it runs, then starts it again on the same folder and ports (data kept).
    public func restart() throws {
        try runScript(["stop", directory])
        try runScript(["start", directory, String(httpPort), String(tcpPort)])
    }

    /// Runs one statement with a fresh client and returns the body.
    @discardableResult
    public func query(_ sql: String) throws -> String {
        try ClickHouseClient(endpoint: endpoint).query(sql)
    }

    /// The server's own log (for failure messages).
    public func logTail(lines: Int = 40) -> String {
        let text = (try? String(contentsOfFile: directory + "/log/clickhouse-server.log", encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// Alive and not a zombie (a SIGKILLed server re-parented to a non-reaping init stays a zombie).
    private static func isAlive(_ pid: Int32) -> Bool {
        guard Glibc.kill(pid, 0) == 0 else { return false }
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return true }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    @discardableResult
    private func runScript(_ args: [String]) throws -> String {
        let out = directory + "/script-output.log"
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        defer { try? handle.close() }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/bash")
        p.arguments = [Self.script] + args
        p.standardOutput = handle
        p.standardError = handle
        p.standardInput = FileHandle.nullDevice
        try p.run()
        p.waitUntilExit()
        let output = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        guard p.terminationStatus == 0 else {
            throw TestSupportError("scripts/clickhouse-server.sh \(args.joined(separator: " ")) failed (exit \(p.terminationStatus)):\n\(output)")
        }
        return output
    }
}
