import Foundation
import InfraSightCore
import InfraSightKafka
import InfraSightTestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `infrasight console` against the real pipeline: events really captured by the agent (execve and
/// open probes) through tansu, enrich and the sink into ClickHouse 18.16, read back through the JSON
/// API (filters, injection and XSS payloads, login, headers) and rendered by headless Chromium.
final class ConsoleIntegrationTests: XCTestCase {
    nonisolated(unsafe) static var harness: PipelineHarness?
    nonisolated(unsafe) static var startupError: Error?
    nonisolated(unsafe) static var locked: ChildProcess?
    nonisolated(unsafe) static var open: ChildProcess?
    nonisolated(unsafe) static var lockedPort = 0
    nonisolated(unsafe) static var openPort = 0
    nonisolated(unsafe) static var marker = ""
    nonisolated(unsafe) static var markerPID: Int32 = 0

    static let token = "console-it-token-\(UInt64.random(in: 0...UInt64.max))"
    static let xss = "<img src=x onerror=alert(1)>"
    static let payloads = [
        "' OR 1=1 --", "\\'", "\\", "x\\' OR 1=1 --", "a\0b", "<img src=x onerror=alert(1)>",
        "\"><script>alert(1)</script>", "ünïcødé ’ 𝔘 \u{202E}", String(repeating: "'\\", count: 1500),
    ]

    override class func setUp() {
        super.setUp()
        do {
            let h = try PipelineHarness()
            harness = h
            try h.startPipeline(probes: "execve,open")
            // A distinctive command, with an XSS payload among its arguments: captured, stored, then shown.
            marker = "infrasight-console-\(UInt32.random(in: 0...UInt32.max))"
            let run = CommandSpawner.run(["/bin/echo", marker, xss])
            guard let pid = run.pid else { throw TestSupportError("spawn failed: \(run.error)") }
            markerPID = pid
            let sql = "SELECT count() FROM infrasight.exec_events WHERE pid = \(pid)"
            guard h.waitForQuery(sql, equals: "1", timeout: 90) == "1" else {
                throw TestSupportError("the exec of /bin/echo never reached ClickHouse:\n\(h.dumpLogs())")
            }
            lockedPort = try FreePort.next()
            locked = try startConsole(h, port: lockedPort, token: token)
            openPort = try FreePort.next()
            open = try startConsole(h, port: openPort, token: nil)
        } catch {
            startupError = error
        }
    }

    static func startConsole(_ h: PipelineHarness, port: Int, token: String?) throws -> ChildProcess {
        var env = h.environment
        env["INFRASIGHT_CONSOLE_TOKEN"] = token ?? ""
        env["INFRASIGHT_LOG_LEVEL"] = "debug"  // which browser trees the live events leave out
        let p = try ChildProcess(name: "console-\(port)", executable: h.binary,
                                 arguments: ["console", "--clickhouse", h.clickhouse.url, "--listen", "127.0.0.1:\(port)"],
                                 environment: env, logPath: h.workDir.appendingPathComponent("console-\(port).log").path)
        guard FreePort.waitUntilListening(port, timeout: 30) else {
            throw TestSupportError("console did not listen on \(port):\n\(p.output())")
        }
        return p
    }

    override class func tearDown() {
        locked?.stop()
        open?.stop()
        harness?.shutdown()
        super.tearDown()
    }

    func pipeline() throws -> PipelineHarness {
        if let error = Self.startupError { throw TestSupportError("pipeline or console did not start: \(error)") }
        return Self.harness!
    }

    // MARK: - HTTP through curl (a real client, no cookie jar unless asked)

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
        var table: (columns: [String], rows: [[String]])? {
            guard let o = json as? [String: Any], let c = o["columns"] as? [String], let r = o["rows"] as? [[String]] else { return nil }
            return (c, r)
        }
        func column(_ name: String) -> [String] {
            guard let t = table, let i = t.columns.firstIndex(of: name) else { return [] }
            return t.rows.map { $0[i] }
        }
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed)!
    }

    static func query(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    func http(_ port: Int, _ pathAndQuery: String, bearer: String? = nil, cookie: String? = nil,
              form: String? = nil, host: String? = nil) throws -> Reply {
        var args = ["-sS", "--globoff", "-D", "-", "--max-time", "30"]
        if let host { args += ["-H", "Host: \(host)"] }
        if let bearer { args += ["-H", "Authorization: Bearer \(bearer)"] }
        if let cookie { args += ["-H", "Cookie: \(cookie)"] }
        if let form { args += ["--data-binary", form, "-H", "Content-Type: application/x-www-form-urlencoded"] }
        args.append("http://127.0.0.1:\(port)\(pathAndQuery)")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { throw TestSupportError("no HTTP answer from \(pathAndQuery): \(text)") }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        let status = Int(lines[0].split(separator: " ")[1]) ?? 0
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return Reply(status: status, headers: headers, body: String(text[split.upperBound...]))
    }

    func api(_ path: String, _ pairs: [(String, String)] = []) throws -> Reply {
        try http(Self.lockedPort, pairs.isEmpty ? path : path + "?" + Self.query(pairs), bearer: Self.token)
    }

    func assertHeaders(_ r: Reply, file: StaticString = #filePath, line: UInt = #line) {
        let csp = r.headers["content-security-policy"] ?? ""
        for d in ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"] {
            XCTAssertTrue(csp.contains(d), "CSP lacks \(d): \(r.headers)", file: file, line: line)
        }
        XCTAssertEqual(r.headers["x-content-type-options"], "nosniff", file: file, line: line)
        XCTAssertEqual(r.headers["referrer-policy"], "no-referrer", file: file, line: line)
        XCTAssertEqual(r.headers["cache-control"], "no-store", file: file, line: line)
    }

    // MARK: - (a) JSON API

    func testCapturedCommandAppearsAndFiltersNarrow() throws {
        let h = try pipeline()
        let all = try api("/api/events", [("probe", "execve"), ("limit", "1000")])
        XCTAssertEqual(all.status, 200, all.body)
        assertHeaders(all)
        XCTAssertEqual(all.headers["content-type"], "application/json; charset=utf-8")
        // Filtered to one probe, the stream has that probe's columns instead of the one-line detail.
        XCTAssertFalse(all.table?.columns.contains("detail") ?? true, "\(all.table?.columns ?? [])")
        let details = all.column("command_line")
        let mine = try XCTUnwrap(details.firstIndex { $0.contains(Self.marker) }, "\(Self.marker) not in \(all.body.prefix(3000))\n\(h.dumpLogs())")
        let row = try XCTUnwrap(all.table?.rows[mine])
        let col = { (name: String) in row[all.table!.columns.firstIndex(of: name)!] }
        XCTAssertEqual(col("pid"), String(Self.markerPID))
        XCTAssertEqual(col("comm"), "echo")
        XCTAssertEqual(col("user"), "root")
        XCTAssertEqual(col("probe"), "execve")
        XCTAssertEqual(col("command_line"), "/bin/echo \(Self.marker) \(Self.xss)", "argv comes back as plain data")
        XCTAssertEqual(col("filename"), "/bin/echo")
        let host = col("host")
        let execID = col("exec_id")
        // The agent does not fill exec_id yet (ProcessCache is not wired into AgentStage): the process view
        // then works by host + pid. Say which, so a change is visible.
        print("console: exec_id of the captured exec = '\(execID)' (empty: the agent did not fill it)")

        // Each filter that matches the command keeps it; one that does not removes it.
        // (The open probe records many events as root on this host, so those filters go with probe=execve
        // to keep the command within the newest 1000 rows.)
        let keep: [[(String, String)]] = [[("path", "/bin/echo")], [("comm", "echo")], [("probe", "execve"), ("user", "root")],
                                          [("probe", "execve"), ("host", host)],
                                          [("probe", "execve"), ("host", host), ("comm", "echo"), ("path", "echo"), ("user", "root")]]
        for pairs in keep {
            let r = try api("/api/events", pairs + [("limit", "1000")])
            XCTAssertEqual(r.status, 200, "\(pairs) \(r.body)")
            XCTAssertTrue((r.column("detail") + r.column("command_line")).contains { $0.contains(Self.marker) }, "\(pairs) lost the command")
        }
        // The sink inserts each table's batch on its own: wait until the echo's opens (the dynamic loader's)
        // are in file_events too, so "everything" has more than the exec row.
        let opensLanded = Date().addingTimeInterval(60)
        while Date() < opensLanded,
              (try? h.clickhouse.query("SELECT count() FROM infrasight.file_events WHERE pid = \(Self.markerPID)"))?
                .trimmingCharacters(in: .whitespacesAndNewlines) == "0" {
            Thread.sleep(forTimeInterval: 0.2)
        }
        let everything = try api("/api/events", [("limit", "1000")])
        let withPath = try api("/api/events", [("path", "/bin/echo"), ("limit", "1000")])
        XCTAssertLessThan(withPath.table?.rows.count ?? 0, everything.table?.rows.count ?? 0,
                          "the path filter narrows: \(everything.status) \(everything.body.prefix(600))")
        XCTAssertTrue(withPath.column("detail").allSatisfy { $0.contains("/bin/echo") } || withPath.column("probe").contains("open"),
                      "path filter rows: \(withPath.body.prefix(2000))")
        let narrowed = try api("/api/events", [("comm", "echo"), ("limit", "1000")])
        XCTAssertTrue(Set(narrowed.column("comm")) == ["echo"], "comm filter: \(Set(narrowed.column("comm")))")
        let opens = try api("/api/events", [("probe", "open"), ("limit", "50")])
        XCTAssertEqual(Set(opens.column("probe")).subtracting(["open"]), [], "probe filter")
        XCTAssertFalse(opens.column("path").contains { $0.contains(Self.marker) })
        XCTAssertEqual(opens.table?.columns.filter { ["syscall", "path", "flags_text", "fd", "sensitive"].contains($0) },
                       ["syscall", "path", "flags_text", "fd", "sensitive"], "the open probe's own columns")
        for pairs: [(String, String)] in [[("host", host + "-other")], [("user", "nobody-here")], [("container", "no-such-container")],
                                          [("path", "/no/such/path")], [("address", "203.0.113.77")], [("comm", "echo"), ("since", "1"), ("path", "/bin/true")]] {
            let r = try api("/api/events", pairs)
            XCTAssertEqual(r.status, 200, "\(pairs) \(r.body)")
            XCTAssertFalse((r.column("detail") + r.column("command_line")).contains { $0.contains(Self.marker) }, "\(pairs) should exclude the command")
        }
        let limited = try api("/api/events", [("limit", "1")])
        XCTAssertEqual(limited.table?.rows.count, 1)

        // Process view: by exec_id when the agent filled it, and by host + pid in any case.
        var lookups: [[(String, String)]] = [[("host", host), ("pid", String(Self.markerPID))]]
        if !execID.isEmpty { lookups.append([("exec_id", execID)]) }
        for pairs in lookups {
            let r = try api("/api/process", pairs)
            XCTAssertEqual(r.status, 200, r.body)
            let o = try XCTUnwrap(r.json as? [String: Any])
            let process = try XCTUnwrap(o["process"] as? [String: Any])
            let prow = try XCTUnwrap((process["rows"] as? [[String]])?.first, r.body)
            let pcols = try XCTUnwrap(process["columns"] as? [String])
            XCTAssertEqual(prow[pcols.firstIndex(of: "pid")!], String(Self.markerPID))
            XCTAssertEqual(prow[pcols.firstIndex(of: "ppid")!], String(getpid()), "posix_spawn: the test process is the parent")
            let events = try XCTUnwrap(o["events"] as? [String: Any])
            let ecols = try XCTUnwrap(events["columns"] as? [String])
            let erows = try XCTUnwrap(events["rows"] as? [[String]])
            XCTAssertTrue(erows.contains { $0[ecols.firstIndex(of: "probe")!] == "execve" }, r.body)
            XCTAssertEqual(Set(erows.map { $0[ecols.firstIndex(of: "pid")!] }), [String(Self.markerPID)])
            let ancestry = try XCTUnwrap(o["ancestry"] as? [String: Any])
            let arows = try XCTUnwrap(ancestry["rows"] as? [[String]])
            let acols = try XCTUnwrap(ancestry["columns"] as? [String])
            XCTAssertEqual(arows.first?[acols.firstIndex(of: "pid")!], String(getpid()), "first ancestor is the parent: \(r.body.prefix(2000))")
        }
    }

    func testInjectionAndXSSPayloadsAreJustData() throws {
        let h = try pipeline()
        let fields: [(String, [String])] = [
            ("/api/events", ["host", "container", "user", "comm", "path", "address"]),
            ("/api/top/latency", ["host", "container", "user", "comm"]),
            ("/api/top/files", ["host", "container", "user", "comm"]),
            ("/api/top/talkers", ["host", "container", "user", "comm"]),
            ("/api/top/binaries", ["host", "container", "user", "comm"]),
            ("/api/health", ["host"]),
            ("/api/overview", ["host"]),
            ("/api/alerts", ["host", "rule", "container"]),
        ]
        for (path, names) in fields {
            for name in names {
                for payload in Self.payloads {
                    let r = try api(path, [(name, payload)])
                    XCTAssertEqual(r.status, 200, "\(path) \(name)=\(payload.prefix(40)): \(r.body.prefix(300))")
                    let rows = (r.json as? [String: Any]).map { o -> Int in
                        if let t = o["rows"] as? [[String]] { return t.count }
                        return o.values.compactMap { ($0 as? [String: Any])?["rows"] as? [[String]] }.map(\.count).reduce(0, +)
                    }
                    XCTAssertEqual(rows, 0, "\(path) \(name)=\(payload.prefix(40)) matched rows: \(r.body.prefix(300))")
                }
            }
        }
        for payload in Self.payloads {
            let r = try api("/api/process", [("host", payload), ("pid", "1")])
            XCTAssertEqual(r.status, 200, r.body)
            let bad = try api("/api/process", [("exec_id", payload)])
            XCTAssertEqual(bad.status, 400, "exec_id is checked: \(bad.body)")
            for name in ["probe", "limit", "since"] {
                let r = try api("/api/events", [(name, payload)])
                XCTAssertEqual(r.status, 400, "\(name)=\(payload.prefix(40)): \(r.body.prefix(200))")
                assertHeaders(r)
            }
            let since = try api("/api/overview", [("since", payload)])
            XCTAssertEqual(since.status, 400, "overview since=\(payload.prefix(40)): \(since.body.prefix(200))")
            for name in ["severity", "since", "limit"] {
                let r = try api("/api/alerts", [(name, payload)])
                XCTAssertEqual(r.status, 400, "alerts \(name)=\(payload.prefix(40)): \(r.body.prefix(200))")
                assertHeaders(r)
            }
        }
        XCTAssertEqual(try api("/api/events", [("no_such_filter", "1")]).status, 400)
        XCTAssertEqual(try api("/api/events", [("limit", "100000")]).status, 400)
        // Nothing was dropped or changed, and the console is still answering.
        XCTAssertEqual(h.waitForQuery("EXISTS TABLE infrasight.exec_events", equals: "1", timeout: 5), "1")
        XCTAssertEqual(try api("/api/events", [("limit", "1")]).status, 200)
        XCTAssertTrue(Self.locked?.isRunning ?? false, Self.locked?.output() ?? "")
    }

    func testTopViewsAndPipelineHealthAnswer() throws {
        let h = try pipeline()
        let latency = try api("/api/top/latency", [("comm", "echo")])
        XCTAssertEqual(latency.status, 200, latency.body)
        XCTAssertEqual(latency.column("comm"), ["echo"], latency.body)
        let files = try api("/api/top/files", [("limit", "5")])
        XCTAssertEqual(files.status, 200, files.body)
        XCTAssertFalse(files.table?.rows.isEmpty ?? true, "the open probe captured files: \(files.body)")
        XCTAssertEqual(try api("/api/top/talkers").status, 200)
        // Stats records are written every 2 s by the harness' stages.
        var health = try api("/api/health")
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let o = health.json as? [String: Any]
            let stages = ((o?["stages"] as? [String: Any])?["rows"] as? [[String]])?.map { $0[0] } ?? []
            if Set(stages).isSuperset(of: ["agent", "enrich", "sink"]) { break }
            usleep(1_000_000)
            health = try api("/api/health")
        }
        XCTAssertEqual(health.status, 200)
        let o = try XCTUnwrap(health.json as? [String: Any], health.body)
        let stages = try XCTUnwrap((o["stages"] as? [String: Any])?["rows"] as? [[String]])
        XCTAssertTrue(Set(stages.map { $0[0] }).isSuperset(of: ["agent", "enrich", "sink"]), "\(stages)\n\(h.dumpLogs())")
        let counters = try XCTUnwrap((o["counters"] as? [String: Any])?["rows"] as? [[String]])
        XCTAssertTrue(counters.contains { $0[0] == "sink" && $0[3] == "inserted" && (UInt64($0[4]) ?? 0) > 0 }, "\(counters)")
    }

    func testTokenLoginAndHeaders() throws {
        _ = try pipeline()
        let port = Self.lockedPort
        for path in ["/", "/console.js", "/api/events", "/api/health"] {
            let r = try http(port, path)
            XCTAssertEqual(r.status, 401, path)
            assertHeaders(r)
            XCTAssertFalse(r.body.contains(Self.marker))
            let wrong = try http(port, path, bearer: Self.token + "x")
            XCTAssertEqual(wrong.status, 401, path)
            let ok = try http(port, path, bearer: Self.token)
            XCTAssertEqual(ok.status, 200, path)
            assertHeaders(ok)
        }
        let login = try http(port, "/login")
        XCTAssertEqual(login.status, 200)
        XCTAssertTrue(login.body.contains("<form method=\"post\" action=\"/login\">"))
        let failed = try http(port, "/login", form: "token=wrong-wrong-wrong-wrong")
        XCTAssertEqual(failed.status, 401)
        XCTAssertNil(failed.headers["set-cookie"])
        let good = try http(port, "/login", form: "token=" + Self.encode(Self.token))
        XCTAssertEqual(good.status, 303)
        assertHeaders(good)
        let cookie = try XCTUnwrap(good.headers["set-cookie"])
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
        let session = String(cookie.split(separator: ";")[0])
        XCTAssertEqual(try http(port, "/api/events?limit=1", cookie: session).status, 200)
        XCTAssertEqual(try http(port, "/", cookie: session).status, 200)
        XCTAssertEqual(try http(port, "/api/events?limit=1", cookie: session + "0").status, 401)
        // The token-less console answers without credentials.
        XCTAssertEqual(try http(Self.openPort, "/api/events?limit=1").status, 200)
        // …but only for loopback host names (DNS rebinding).
        XCTAssertEqual(try http(Self.openPort, "/api/events?limit=1", host: "localhost:\(Self.openPort)").status, 200)
        XCTAssertEqual(try http(Self.openPort, "/api/events?limit=1", host: "rebind.attacker.example:\(Self.openPort)").status, 421)
        // Secrets never reach the log.
        let log = Self.locked?.output() ?? ""
        XCTAssertFalse(log.contains(Self.token), "the token is logged")
        XCTAssertFalse(log.contains(String(session.split(separator: "=")[1])), "a session id is logged")
    }

    func testRemoteBindWithoutTokenIsRefused() throws {
        let h = try pipeline()
        let p = try ChildProcess(name: "console-remote", executable: h.binary,
                                 arguments: ["console", "--clickhouse", h.clickhouse.url, "--listen", "0.0.0.0:\(try FreePort.next())"],
                                 environment: h.environment.merging(["INFRASIGHT_CONSOLE_TOKEN": ""]) { $1 },
                                 logPath: h.workDir.appendingPathComponent("console-remote.log").path)
        p.process.waitUntilExit()
        XCTAssertNotEqual(p.process.terminationStatus, 0)
        XCTAssertTrue(p.output().contains("without a token"), p.output())
    }

    // MARK: - (b) headless Chromium

    func dumpDOM(_ pathAndQuery: String) throws -> String {
        try chromium(["--dump-dom"], pathAndQuery)
    }

    /// Runs headless Chromium on a page of the token-less console with `mode` (`--dump-dom`,
    /// `--screenshot=…`) and returns its standard output.
    func chromium(_ mode: [String], _ pathAndQuery: String) throws -> String {
        let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let chromium else {
            XCTFail("chromium is not installed (scripts/deps.sh installs it)")
            throw TestSupportError("no chromium")
        }
        let profile = try pipeline().workDir.appendingPathComponent("chromium-\(UInt32.random(in: 0...UInt32.max))")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                       "--virtual-time-budget=5000"] + mode + ["http://127.0.0.1:\(Self.openPort)\(pathAndQuery)"]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    func testChromiumShowsTheCapturedCommandAsText() throws {
        _ = try pipeline()
        let dom = try dumpDOM("/?" + Self.query([("view", "events"), ("probe", "execve"), ("comm", "echo"), ("limit", "1000")]))
        XCTAssertTrue(dom.contains(Self.marker), "captured command not rendered:\n\(dom.prefix(4000))")
        XCTAssertTrue(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "argv payload not shown as text:\n\(dom.prefix(4000))")
        XCTAssertFalse(dom.contains("<img"), "an <img> element was created from data")
        XCTAssertEqual(dom.components(separatedBy: "<script").count, 2, "only console.js")
        XCTAssertTrue(dom.contains("Filters: probe = execve, comm = echo, limit = 1000"), dom.prefix(4000).description)

        // The pid links to the process view (by host + pid: exec_id is empty), which shows the exec and its parent.
        let host = try XCTUnwrap(try api("/api/events", [("probe", "execve"), ("comm", "echo")]).column("host").first)
        let link = "/?view=process&amp;" + Self.query([("host", host), ("pid", String(Self.markerPID))])
            .replacingOccurrences(of: "&", with: "&amp;")
        XCTAssertTrue(dom.contains("href=\"\(link)\""), "no process link \(link) in:\n\(dom.prefix(4000))")
        let process = try dumpDOM("/?" + Self.query([("view", "process"), ("host", host), ("pid", String(Self.markerPID))]))
        XCTAssertTrue(process.contains("<h3>ancestry</h3>") && process.contains("<h3>events</h3>"), process.prefix(4000).description)
        XCTAssertTrue(process.contains(Self.marker), process.prefix(4000).description)
        XCTAssertTrue(process.contains("&gt;" + String(getpid()) + "&lt;") || process.contains(">\(getpid())<"),
                      "the parent (this test process) is in the ancestry: \(process.prefix(4000))")
        XCTAssertFalse(process.contains("<img"))
    }

    /// Live events: `after_ns` returns only later events (the page's incremental polls), and the page
    /// has a pause button, hides the merge columns and links values to a narrower view.
    func testLiveEventsPollIncrementallyPauseAndFilterByClick() throws {
        _ = try pipeline()
        let all = try api("/api/events", [("probe", "execve"), ("comm", "echo"), ("limit", "1000")])
        let i = try XCTUnwrap(all.column("command_line").firstIndex { $0.contains(Self.marker) }, all.body.prefix(2000).description)
        let markerNs = try XCTUnwrap(UInt64(all.column("time_ns")[i]))
        let markerID = all.column("event_id")[i]
        XCTAssertFalse(markerID.isEmpty)
        let before = try api("/api/events", [("probe", "execve"), ("comm", "echo"), ("after_ns", String(markerNs - 1))])
        XCTAssertTrue(before.column("event_id").contains(markerID), before.body.prefix(2000).description)
        let after = try api("/api/events", [("probe", "execve"), ("comm", "echo"), ("after_ns", String(markerNs))])
        XCTAssertFalse(after.column("event_id").contains(markerID), after.body.prefix(2000).description)
        XCTAssertTrue(after.column("time_ns").allSatisfy { (UInt64($0) ?? 0) > markerNs })
        XCTAssertEqual(try api("/api/events", [("after_ns", "1 OR 1=1")]).status, 400)

        // Narrowed to execs of /bin/echo (path matches the exec's filename): a busy machine (builds,
        // the overview test's runs) would otherwise push the marker out of the newest 1000 execs.
        let dom = try dumpDOM("/?" + Self.query([("view", "events"), ("probe", "execve"), ("path", "/bin/echo"), ("limit", "1000")]))
        XCTAssertTrue(dom.contains(Self.marker), dom.prefix(3000).description)
        XCTAssertTrue(dom.contains("<button id=\"pause\" type=\"button\">Pause</button>"), "a visible pause button:\n\(dom.prefix(3000))")
        XCTAssertFalse(dom.contains("<th>time_ns</th>") || dom.contains("<th>event_id</th>"), dom.prefix(3000).description)
        let narrower = "href=\"/?" + Self.query([("view", "events"), ("probe", "execve"), ("path", "/bin/echo"), ("limit", "1000"), ("comm", "echo")])
            .replacingOccurrences(of: "&", with: "&amp;") + "\""
        XCTAssertTrue(dom.contains(narrower), "comm echo links to the narrower view \(narrower):\n\(dom.prefix(4000))")

        // Host and time range are kept across views by the navigation links.
        let host = all.column("host")[i]
        let scoped = try dumpDOM("/?" + Self.query([("view", "events"), ("host", host), ("since", "30")]))
        for view in ["overview", "events", "process", "top", "health"] {
            let link = "href=\"/?" + Self.query([("view", view), ("host", host), ("since", "30")]).replacingOccurrences(of: "&", with: "&amp;") + "\""
            XCTAssertTrue(scoped.contains(link), "\(view) link keeps host and since (\(link)):\n\(scoped.prefix(1500))")
        }
        XCTAssertTrue(scoped.contains("aria-current=\"page\">Live events</a>"), scoped.prefix(1500).description)
        XCTAssertFalse(dom.contains("<img"))
    }

    /// The live events leave out the asking browser's own activity: a two-process tree of one executable,
    /// as a browser is (here Python), opens a marker file; once that open is in ClickHouse, the child asks
    /// the console for it over loopback. With a browser's User-Agent the parent's open is left out, with
    /// `own=1` it is shown, and a tool's User-Agent (curl) sees it too.
    func testLiveEventsLeaveOutTheAskingBrowsersOwnActivity() throws {
        let h = try pipeline()
        let marker = NSTemporaryDirectory() + "infrasight-own-browser-\(UInt32.random(in: 0...UInt32.max))"
        let url = "http://127.0.0.1:\(Self.lockedPort)/api/events?" + Self.query([("probe", "open"), ("path", marker), ("since", "30")])
        let child = """
            import json, sys, urllib.request
            for agent, own in (('Mozilla/5.0 (X11; Linux x86_64) Chrome/120', ''), ('Mozilla/5.0 (X11; Linux x86_64) Chrome/120', '&own=1'), ('curl/7.88.1', '')):
                req = urllib.request.Request(sys.argv[1] + own, headers={'User-Agent': agent, 'Authorization': 'Bearer ' + sys.argv[2]})
                print(len(json.load(urllib.request.urlopen(req, timeout=30))['rows']), flush=True)
            """
        let script = """
            import subprocess, sys
            open(sys.argv[1], 'w').close()
            print('opened', flush=True)
            sys.stdin.readline()
            subprocess.run([sys.executable, '-c', sys.argv[4], sys.argv[2], sys.argv[3]], check=True)
            """
        let parent = Process(), input = Pipe(), output = Pipe()
        parent.executableURL = URL(fileURLWithPath: ProjectPaths.python)
        parent.arguments = ["-c", script, marker, url, Self.token, child]
        parent.standardInput = input
        parent.standardOutput = output
        parent.standardError = output
        try parent.run()
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let sql = "SELECT count() FROM infrasight.file_events WHERE path = '\(marker)'"
        guard h.waitForQuery(sql, equals: "1", timeout: 90) == "1" else {
            parent.terminate()
            throw TestSupportError("the marker open never reached ClickHouse:\n\(h.dumpLogs())")
        }
        input.fileHandleForWriting.write(Data("go\n".utf8))
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        parent.waitUntilExit()
        XCTAssertEqual(parent.terminationStatus, 0, text)
        let counts = text.split(separator: "\n").dropFirst().map(String.init)
        let stored = (try? h.clickhouse.query("SELECT host, pid, ancestors_pid FROM infrasight.file_events WHERE path = '\(marker)' FORMAT TabSeparated")) ?? "?"
        let excluded = (Self.locked?.output() ?? "").split(separator: "\n").filter { $0.contains("leaving out") }.suffix(5).joined(separator: "\n")
        XCTAssertEqual(counts, ["0", "1", "1"], """
            browser: hidden; browser with own=1: shown; curl: shown
            \(text)
            parent pid \(parent.processIdentifier); stored: \(stored)
            console: \(excluded)
            """)
        let dom = try dumpDOM("/?view=events")
        XCTAssertTrue(dom.contains("name=\"own\""), "the events view offers the own-activity checkbox:\n\(dom.prefix(2000))")
    }

    /// The process tree of a `bash -c 'sh -c "sleep 1; true"; true'` chain (the `; true`s keep each
    /// shell from exec'ing its last command in place): the view of `sh` shows bash above it and sleep
    /// below it, each a link to its own view, in a real browser.
    func testChromiumProcessTreeShowsParentAndChildren() throws {
        let h = try pipeline()
        let run = CommandSpawner.run(["/bin/bash", "-c", "sh -c 'sleep 1; true'; true"])
        guard let bashPID = run.pid else { throw TestSupportError("spawn failed: \(run.error)") }
        let bash = Int(bashPID)
        func pid(_ sql: String) -> Int? {
            let deadline = Date().addingTimeInterval(90)
            while Date() < deadline {
                if let v = (try? h.clickhouse.query(sql))?.trimmingCharacters(in: .whitespacesAndNewlines), let n = Int(v), n > 0 { return n }
                Thread.sleep(forTimeInterval: 0.3)
            }
            return nil
        }
        let sh = try XCTUnwrap(pid("SELECT any(pid) FROM infrasight.exec_events WHERE ppid = \(bash) AND comm = 'sh' AND ret = 0"),
                               "no exec of sh under bash \(bash)\n\(h.dumpLogs())")
        let sleep = try XCTUnwrap(pid("SELECT any(pid) FROM infrasight.exec_events WHERE ppid = \(sh) AND comm = 'sleep' AND ret = 0"),
                                  "no exec of sleep under sh \(sh)")
        let host = try XCTUnwrap(try api("/api/events", [("probe", "execve"), ("comm", "sh")]).column("host").first)

        let r = try api("/api/process", [("host", host), ("pid", String(sh))])
        XCTAssertEqual(r.status, 200, r.body)
        let o = try XCTUnwrap(r.json as? [String: Any])
        func pids(_ key: String) -> [String] {
            guard let t = o[key] as? [String: Any], let c = t["columns"] as? [String], let rows = t["rows"] as? [[String]],
                  let i = c.firstIndex(of: "pid") else { return [] }
            return rows.map { $0[i] }
        }
        XCTAssertEqual(pids("ancestry").first, String(bash), r.body)
        XCTAssertEqual(pids("children"), [String(sleep)], r.body)

        let dom = try dumpDOM("/?" + Self.query([("view", "process"), ("host", host), ("pid", String(sh))]))
        let tree = try XCTUnwrap(dom.range(of: "<ul class=\"tree\">"), "no tree:\n\(dom.prefix(4000))")
        let treeText = String(dom[tree.lowerBound...])
        let positions = [bash, sh, sleep].map { treeText.range(of: ">\($0) ")?.lowerBound }
        XCTAssertTrue(positions.allSatisfy { $0 != nil }, "bash \(bash), sh \(sh), sleep \(sleep) in the tree:\n\(treeText.prefix(3000))")
        if let a = positions[0], let b = positions[1], let c = positions[2] {
            XCTAssertTrue(a < b && b < c, "tree order bash, sh, sleep:\n\(treeText.prefix(3000))")
        }
        for (child, label) in [(bash, "bash"), (sleep, "sleep")] {
            let link = "href=\"/?view=process&amp;" + Self.query([("host", host), ("pid", String(child))]).replacingOccurrences(of: "&", with: "&amp;") + "\""
            XCTAssertTrue(treeText.contains(link), "\(label) is not a link in the tree:\n\(treeText.prefix(3000))")
        }
        XCTAssertTrue(treeText.contains("<strong>\(sh) sh"), "sh itself in bold:\n\(treeText.prefix(3000))")
        // Where it ran (here: the host), and its events on a time line: one point per event of the answer.
        XCTAssertTrue(dom.contains("<p id=\"where\">not in a container (host)</p>"), dom.prefix(4000).description)
        let eventRows = ((o["events"] as? [String: Any])?["rows"] as? [Any])?.count ?? -1
        XCTAssertGreaterThan(eventRows, 0, r.body)
        XCTAssertTrue(dom.contains("class=\"chart timeline\""), "no time line:\n\(dom.prefix(4000))")
        XCTAssertEqual(dom.components(separatedBy: "data-time-ns=").count - 1, eventRows, "one point per event")
        // Keyboard: a skip link, shortcuts announced on the navigation links.
        XCTAssertTrue(dom.contains("<a class=\"skip\" href=\"#results\">"), dom.prefix(1500).description)
        XCTAssertTrue(dom.contains("aria-keyshortcuts=\"1\">Overview</a>") && dom.contains("aria-keyshortcuts=\"5\">Pipeline health</a>"),
                      dom.prefix(1500).description)
        try screenshot("/?" + Self.query([("view", "process"), ("host", host), ("pid", String(sh))]), name: "process")
    }

    /// The issue's acceptance, as a user would check it: a `cat /etc/shadow` just run shows in the
    /// console's event stream, filtered by path, in a real browser.
    func testChromiumShowsACatOfEtcShadowJustRun() throws {
        let h = try pipeline()
        let cat = CommandSpawner.run(["/bin/cat", "/etc/shadow"])
        let pid = try XCTUnwrap(cat.pid, "spawn failed: \(cat.error)")
        let sql = "SELECT count() FROM infrasight.file_events WHERE pid = \(pid) AND path = '/etc/shadow'"
        XCTAssertEqual(h.waitForQuery(sql, equals: "1", timeout: 90), "1", h.dumpLogs())
        let dom = try dumpDOM("/?" + Self.query([("view", "events"), ("probe", "open"), ("path", "/etc/shadow"), ("limit", "1000")]))
        let rows = dom.components(separatedBy: "<tr").filter { $0.contains("/etc/shadow") && $0.contains(">\(pid)<") }
        XCTAssertEqual(rows.count, 1, "the cat of /etc/shadow (pid \(pid)) is not one row of the page:\n\(dom.prefix(6000))")
        // comm and user are links that narrow the view to their value.
        XCTAssertTrue(rows.first?.contains("title=\"Only comm = cat\">cat</a></td>") ?? false, rows.first ?? "")
        XCTAssertTrue(rows.first?.contains("title=\"Only user = root\">root</a></td>") ?? false, rows.first ?? "")
        XCTAssertTrue(dom.contains("Filters: probe = open, path = /etc/shadow, limit = 1000"), dom.prefix(4000).description)
    }

    func testChromiumRendersTopViewsAndPipelineHealth() throws {
        _ = try pipeline()
        let top = try dumpDOM("/?view=top&comm=echo")
        for heading in ["Top comm by syscall latency", "Top files", "Top talkers by container"] {
            XCTAssertTrue(top.contains("<h3>\(heading)</h3>"), "\(heading) missing:\n\(top.prefix(4000))")
        }
        XCTAssertTrue(top.contains("<td>echo</td>"), top.prefix(4000).description)
        // Stats records arrive every 2 s: wait until the sink's has landed before rendering.
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !(try api("/api/health").body.contains("\"inserted\"")) { usleep(500_000) }
        let health = try dumpDOM("/?view=health")
        XCTAssertTrue(health.contains("<h3>stages</h3>") && health.contains("<h3>counters</h3>"), health.prefix(4000).description)
        XCTAssertTrue(health.contains("<td>sink</td>") && health.contains("<td>inserted</td>"), health.prefix(4000).description)
        try screenshot("/?view=top", name: "top")
        try screenshot("/?view=events", name: "events")
    }

    /// The overview's chart, as drawn: every point of the per-probe chart (a circle carrying its
    /// series, minute and count) equals ClickHouse's count of distinct events for that probe and
    /// minute. The newest minute is still filling, so only minutes closed for over a minute are
    /// compared for every probe; execve (only this test's commands and Chromium's own) for all
    /// minutes, re-read until the page and ClickHouse saw the same events.
    func testChromiumOverviewChartPointsEqualClickHouseCounts() throws {
        let h = try pipeline()
        let union = ["exec_events", "file_events", "network_events", "process_events"].map {
            "SELECT event_id, probe, time FROM infrasight.\($0) WHERE time >= now() - INTERVAL 15 MINUTE"
        }.joined(separator: " UNION ALL ")
        let sql = """
            SELECT probe, toString(toStartOfMinute(time)) AS m, uniqExact(event_id),
                   toStartOfMinute(time) <= now() - INTERVAL 2 MINUTE AS closed
            FROM (\(union)) GROUP BY probe, m, closed ORDER BY probe, m FORMAT TabSeparated
            """
        var drawn: [String: String] = [:], counted: [String: String] = [:], closed: Set<String> = []
        var dom = ""
        for _ in 0..<5 {
            dom = try dumpDOM("/?view=overview")
            drawn = [:]
            let circle = try NSRegularExpression(pattern: #"<circle [^>]*data-series="([^"]*)" data-minute="([^"]*)" data-value="([0-9]+)""#)
            for m in circle.matches(in: dom, range: NSRange(dom.startIndex..., in: dom)) {
                let g = { (i: Int) in String(dom[Range(m.range(at: i), in: dom)!]) }
                if ["lost", "dropped", "dead_lettered", "lag"].contains(g(1)) { continue }
                if g(3) != "0" { drawn[g(1) + " " + g(2)] = g(3) }
            }
            counted = [:]
            closed = []
            for line in try h.clickhouse.query(sql).split(separator: "\n") {
                let f = line.split(separator: "\t").map(String.init)
                counted[f[0] + " " + f[1]] = f[2]
                if f[3] == "1" { closed.insert(f[0] + " " + f[1]) }
            }
            let execve = { (d: [String: String]) in d.filter { $0.key.hasPrefix("execve ") } }
            if execve(drawn) == execve(counted) { break }
        }
        XCTAssertTrue(dom.contains("<h3>Events per second per probe</h3>"), dom.prefix(4000).description)
        XCTAssertTrue(dom.contains("<h3>Loss, drops, dead letters (totals) and consumer lag</h3>"), dom.prefix(4000).description)
        XCTAssertFalse(drawn.filter { $0.key.hasPrefix("execve ") }.isEmpty, "no execve point drawn:\n\(dom.prefix(6000))")
        XCTAssertEqual(drawn.filter { $0.key.hasPrefix("execve ") }, counted.filter { $0.key.hasPrefix("execve ") })
        for key in closed { XCTAssertEqual(drawn[key], counted[key], "closed minute \(key)") }
        print("console overview: \(drawn.count) points drawn, \(closed.count) closed minutes compared")
        for series in ["lost", "dropped", "dead_lettered", "lag"] {
            XCTAssertTrue(dom.contains("data-series=\"\(series)\""), "pipeline series \(series) not drawn")
        }
        try screenshot("/?view=overview", name: "overview")
    }

    /// The overview's top binaries, as a person reads them: a binary of its own (a copy of /bin/true
    /// under a fresh name) run more often than anything else in the last minute, so it must be in the
    /// top 5, is listed with the count ClickHouse gives for the overview's window, and links to the
    /// live events narrowed to it; each top table links to the Top view with the same host and window.
    func testChromiumOverviewTopBinariesListAnExecutedBinaryWithClickHouseCount() throws {
        let h = try pipeline()
        let dir = NSTemporaryDirectory() + "infrasight-top-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let binary = dir + "/top-binary-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.copyItem(atPath: "/bin/true", toPath: binary)
        // Busier than the busiest binary of the page's window (2 minutes; builds may run alongside), at least 30 runs.
        let busiest = Int(try h.clickhouse.query("""
            SELECT max(c) FROM (SELECT count() AS c FROM infrasight.exec_events WHERE time >= now() - INTERVAL 2 MINUTE GROUP BY if(resolved_path = '', filename, resolved_path))
            """).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let runs = min(max(30, busiest * 2 + 10), 3000)
        print("console overview tops: \(runs) runs of \(binary) (busiest binary of the last 2 minutes: \(busiest))")
        for _ in 0..<runs { XCTAssertNotNil(CommandSpawner.run([binary]).pid) }
        // The binary as the kernel resolved it (the same as the path it was run by: no symlink on the way).
        let count = "SELECT count() FROM infrasight.exec_events WHERE if(resolved_path = '', filename, resolved_path) = '\(binary)' AND time >= now() - INTERVAL 2 MINUTE"
        XCTAssertEqual(h.waitForQuery(count, equals: String(runs), timeout: 90), String(runs), "\(runs) execs of \(binary):\n\(h.dumpLogs())")
        let host = try h.clickhouse.query("SELECT any(host) FROM infrasight.exec_events WHERE filename = '\(binary)'")
            .trimmingCharacters(in: .whitespacesAndNewlines)

        let page = "/?" + Self.query([("view", "overview"), ("host", host), ("since", "2")])
        var dom = "", section = "", counted = ""
        for _ in 0..<5 {
            dom = try dumpDOM(page)
            section = dom.components(separatedBy: "<section id=\"top-binaries\">").dropFirst().first?
                .components(separatedBy: "</section>").first ?? ""
            counted = try h.clickhouse.query(count).trimmingCharacters(in: .whitespacesAndNewlines)
            if section.contains(">\(binary)</a></td><td>\(counted)</td>") { break }
            usleep(1_000_000)
        }
        XCTAssertTrue(dom.contains("<h3>Top talkers</h3>") && dom.contains("<h3>Top files</h3>"), dom.prefix(6000).description)
        XCTAssertTrue(section.contains("<h3>Top binaries</h3>"), "no top binaries table:\n\(dom.prefix(8000))")
        XCTAssertEqual(counted, String(runs))
        // binary, executions (ClickHouse's count for the window), failures, users.
        let link = "href=\"/?" + Self.query([("view", "events"), ("host", host), ("since", "2"), ("probe", "execve"), ("path", binary)])
            .replacingOccurrences(of: "&", with: "&amp;") + "\""
        XCTAssertTrue(section.contains("<td><a \(link) class=\"filter\" title=\"Only path = \(binary)\">\(binary)</a></td><td>\(counted)</td><td>0</td><td>1</td></tr>"),
                      "\(binary) with \(counted) executions and a link \(link) not in:\n\(section)")
        let rows = section.components(separatedBy: "<tr>").count - 2  // the head row and the text before it
        XCTAssertTrue((1...5).contains(rows), "\(rows) rows: \(section)")
        let full = "href=\"/?" + Self.query([("view", "top"), ("host", host), ("since", "2")]).replacingOccurrences(of: "&", with: "&amp;") + "\""
        XCTAssertEqual(dom.components(separatedBy: full + " class=\"more\"").count - 1, 3, "each top table links to the Top view (\(full)):\n\(dom.prefix(8000))")
        XCTAssertFalse(dom.contains("<img"))
        // The API's full row: one process per run, one user, one host, the binary's own command line.
        let api = try api("/api/top/binaries", [("host", host), ("since", "2")])
        let row = try XCTUnwrap(api.table?.rows.first { $0.first == binary }, api.body.prefix(3000).description)
        XCTAssertEqual(Array(row.prefix(6)), [binary, String(runs), "0", String(runs), "1", "1"], api.body.prefix(3000).description)
        XCTAssertEqual(row.last, binary, "the sample command line is the bare binary")
        // The Top view lists it too, under the same filters.
        let top = try dumpDOM("/?" + Self.query([("view", "top"), ("host", host), ("since", "2")]))
        XCTAssertTrue(top.contains("<h3>Top binaries by executions</h3>") && top.contains("<td>\(binary)</td><td>\(counted)</td>"),
                      top.prefix(8000).description)
        try screenshot(page, name: "overview-tops")
    }

    /// The health summary as a person reads it: one row per running stage instance (agent, both
    /// enrich, sink), none stale; then an extra enrich instance is started, shows up, is stopped, and
    /// its row turns STALE once its newest record is older than twice its stats interval (2 s here).
    func testChromiumHealthSummaryShowsEveryStageAndAStoppedOneTurnsStale() throws {
        let h = try pipeline()
        func instances() throws -> [[String]] {
            let o = try api("/api/health").json as? [String: Any]
            return ((o?["instances"] as? [String: Any])?["rows"] as? [[String]]) ?? []
        }
        let columns = ["stage", "instance", "host", "in_per_s", "out_per_s", "lag", "lost", "dead_lettered",
                       "dropped", "age_s", "interval_s", "stale"]  // PipelineHealthQuery.instanceColumns
        let stale = columns.firstIndex(of: "stale")!
        let allRunning = { (rows: [[String]]) -> Bool in
            let running = rows.filter { $0[stale] == "0" }.map { $0[0] }
            return Set(running).isSuperset(of: ["agent", "sink"]) && running.filter { $0 == "enrich" }.count >= 2
        }
        var before = try instances()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline, !allRunning(before) {
            usleep(1_000_000)
            before = try instances()
        }
        XCTAssertTrue(allRunning(before), "agent, two enrich and sink instances, none stale: \(before)\n\(h.dumpLogs())")
        // The page asks again: a running instance's newest record ages up to one interval plus the pipeline's
        // own latency, so on a loaded machine it can touch the 2x mark between the two asks. The page is
        // read again (a few times) until it agrees with the API about every instance not stale.
        var dom = "", notOK: [String] = []
        for _ in 0..<5 {
            dom = try dumpDOM("/?view=health")
            let rows = try instances()
            notOK = rows.filter { $0[stale] == "0" }.compactMap { row in
                let tr = dom.components(separatedBy: "<tr").first { $0.contains("<td>\(row[0])</td><td>\(row[1])</td>") }
                return (tr?.contains("<td>ok</td>") ?? false) ? nil : "\(row[0]) \(row[1]): \(tr ?? "missing")"
            }
            if notOK.isEmpty && allRunning(rows) { break }
            usleep(1_000_000)
        }
        XCTAssertTrue(dom.contains("<h3>instances</h3>") && dom.contains("<summary>Raw counters ("), dom.prefix(4000).description)
        XCTAssertEqual(notOK, [], "running instances not shown as ok: \(dom.prefix(4000))")

        try h.start("enrich-3", ["enrich"])
        try h.waitForLog("enrich-3", containing: "partitions assigned", timeout: 60)
        let known = Set(before.map { $0[1] })
        var added: [String]?
        let seen = Date().addingTimeInterval(60)
        while Date() < seen, added == nil {
            added = try instances().first { $0[0] == "enrich" && !known.contains($0[1]) }
            if added == nil { usleep(500_000) }
        }
        let instance = try XCTUnwrap(added, "the third enrich instance never reported:\n\(h.log("enrich-3"))")[1]
        _ = h.stages["enrich-3"]?.stop(grace: 40)
        h.stages["enrich-3"] = nil
        let wait = Date().addingTimeInterval(60)
        while Date() < wait, try instances().first(where: { $0[1] == instance })?[stale] != "1" { usleep(1_000_000) }
        let after = try dumpDOM("/?view=health")
        let tr = after.components(separatedBy: "<tr").first { $0.contains("<td>enrich</td><td>\(instance)</td>") }
        XCTAssertTrue(tr?.hasPrefix(" class=\"stale\">") ?? false, "stopped instance not marked: \(tr ?? after.prefix(4000).description)")
        XCTAssertTrue(tr?.contains("<td>STALE</td>") ?? false, tr ?? "")
        try screenshot("/?view=health", name: "health")
    }

    /// A 1280x800 PNG of a view in `.build/console-screenshots/` (kept by CI).
    func screenshot(_ pathAndQuery: String, name: String) throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent(".build/console-screenshots")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name + ".png")
        try? FileManager.default.removeItem(at: file)
        _ = try chromium(["--window-size=1280,800", "--screenshot=\(file.path)"], pathAndQuery)
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), "no screenshot \(file.path)")
    }

    func testChromiumShowsFilterPayloadsAsText() throws {
        _ = try pipeline()
        for (field, payload, escaped) in [("host", Self.xss, "&lt;img src=x onerror=alert(1)&gt;"),
                                          ("user", "\"><script>alert(1)</script>", "\"&gt;&lt;script&gt;alert(1)&lt;/script&gt;"),
                                          ("path", "' OR 1=1 --", "' OR 1=1 --")] {
            let dom = try dumpDOM("/?" + Self.query([("view", "events"), (field, payload)]))
            XCTAssertTrue(dom.contains("Filters: \(field) = \(escaped)"), "\(field): \(dom.prefix(4000))")
            XCTAssertTrue(dom.contains("no rows"), "\(field) payload matched rows or the fetch failed: \(dom.prefix(4000))")
            XCTAssertFalse(dom.contains("<img"), field)
            XCTAssertEqual(dom.components(separatedBy: "<script").count, 2, "\(field): a script element came from data")
            XCTAssertFalse(dom.contains("Error "), "\(field): \(dom.prefix(4000))")
        }
    }

    /// The alerts view in a real browser: alerts produced to infrasight.alerts as detect publishes them
    /// (stored by the real sink) are listed newest first, a message's markup shown as text, the severity
    /// marked, each row linked to the process view (by exec_id, and by host + pid: here the captured echo's),
    /// under key 6; the overview lists them too.
    func testChromiumAlertsViewListsAlertsLinkedToTheirProcess() throws {
        let h = try pipeline()
        let host = try XCTUnwrap(try api("/api/events", [("probe", "execve"), ("comm", "echo")]).column("host").first)
        var alerts = SampleAlerts.three(baseNs: WallClock.nowNanos() - 3_000_000_000, host: host)
        alerts[1].pid = UInt32(Self.markerPID)
        let producer = try KafkaProducer(config: KafkaClientConfig(brokers: h.broker.bootstrap, clientId: "it-console-alerts")) { _ in }
        for (i, alert) in alerts.enumerated() {
            try producer.send(topic: TopicNames.alerts, key: alert.key, value: alert.encoded(), token: UInt64(i + 1))
        }
        XCTAssertTrue(producer.flush(timeoutMs: 30_000))
        producer.close()
        let ids = alerts.map { "'\($0.alertID)'" }.joined(separator: ", ")
        XCTAssertEqual(h.waitForQuery("SELECT count() FROM infrasight.alerts_dedup WHERE alert_id IN (\(ids))", equals: "3", timeout: 60),
                       "3", h.dumpLogs())

        let answer = try api("/api/alerts", [("host", host)])
        XCTAssertEqual(answer.status, 200, answer.body)
        XCTAssertEqual(Array(answer.column("alert_id").prefix(3)), alerts.reversed().map(\.alertID), "newest first: \(answer.body.prefix(2000))")

        let dom = try dumpDOM("/?" + Self.query([("view", "alerts"), ("host", host)]))
        let positions = alerts.map { dom.range(of: ">\($0.rule)<")?.lowerBound }
        XCTAssertTrue(positions.allSatisfy { $0 != nil }, "every rule shown:\n\(dom.prefix(6000))")
        if let a = positions[0], let b = positions[1], let c = positions[2] { XCTAssertTrue(c < b && b < a, "newest first") }
        XCTAssertTrue(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "the message's markup as text:\n\(dom.prefix(6000))")
        XCTAssertFalse(dom.contains("<img"), "an <img> element was created from data")
        XCTAssertTrue(dom.contains("<td class=\"severity-critical\">critical</td>"), dom.prefix(6000).description)
        let byExec = "href=\"/?view=process&amp;" + Self.query([("exec_id", alerts[0].execID)]) + "\""
        XCTAssertTrue(dom.contains(byExec), "no process link \(byExec):\n\(dom.prefix(6000))")
        let byPID = "/?view=process&" + Self.query([("host", host), ("pid", String(Self.markerPID))])
        XCTAssertTrue(dom.contains("href=\"\(byPID.replacingOccurrences(of: "&", with: "&amp;"))\""), "no process link \(byPID):\n\(dom.prefix(6000))")
        XCTAssertTrue(dom.contains("aria-keyshortcuts=\"6\" aria-current=\"page\">Alerts</a>"), "key 6, the current view:\n\(dom.prefix(1500))")
        XCTAssertFalse(dom.contains(">\(alerts[0].alertID)<"), "alert_id is not a column of the page")
        // The pid's link leads to the process the alert names: the captured echo.
        let process = try dumpDOM(byPID)
        XCTAssertTrue(process.contains(Self.marker), process.prefix(4000).description)

        let overview = try dumpDOM("/?" + Self.query([("view", "overview"), ("host", host)]))
        XCTAssertTrue(overview.contains("<h3>Newest alerts (last 24 h)</h3>"), overview.prefix(6000).description)
        for alert in alerts { XCTAssertTrue(overview.contains(">\(alert.rule)<"), "\(alert.rule) not on the overview") }
        XCTAssertTrue(overview.contains("href=\"/?view=alerts&amp;host="), overview.prefix(6000).description)
        try screenshot("/?" + Self.query([("view", "alerts"), ("host", host)]), name: "alerts")
    }
}
