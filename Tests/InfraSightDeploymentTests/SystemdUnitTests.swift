import Foundation
import InfraSightTestSupport
import XCTest

/// deploy/systemd: the units are checked by systemd itself (`systemd-analyze verify`, which needs no running
/// systemd) and scored with `systemd-analyze security --offline=yes`; their sections and hardening keys are
/// also parsed here. `verify` insists that ExecStart's binary exists, so the test verifies copies whose
/// /usr/local/bin/infrasight is rewritten to a stub script in a temporary folder; nothing else changes.
final class SystemdUnitTests: XCTestCase {
    static let dir = Deploy.path("deploy/systemd")
    static let units = ["infrasight-agent.service", "infrasight-enrich@.service", "infrasight-detect@.service", "infrasight-sink.service"]
    /// The templated units and the instance (metrics port) each is verified as.
    static let templates = ["infrasight-enrich@.service": "9465", "infrasight-detect@.service": "9467"]
    /// CAP_SYS_RESOURCE only on kernels < 5.11 (a documented drop-in, not a default).
    static let agentCaps: Set<String> = ["CAP_BPF", "CAP_PERFMON", "CAP_DAC_READ_SEARCH"]

    private func systemdAnalyze() throws -> String {
        guard let tool = Executables.find("systemd-analyze") else {
            throw TestSupportError("systemd-analyze not found: install the Debian package `systemd` "
                                   + "(apt-get install systemd; run `make deps` for the rest of the tooling)")
        }
        return tool
    }

    /// Copies of the units with ExecStart pointing at a stub; the templates as instances `9465` (enrich) and `9467` (detect).
    private func stagedUnits() throws -> (dir: URL, files: [String: String]) {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp.appendingPathComponent("bin"), withIntermediateDirectories: true)
        let stub = tmp.appendingPathComponent("bin/infrasight")
        try "#!/bin/sh\nexit 0\n".write(to: stub, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub.path)
        var files: [String: String] = [:]
        for unit in Self.units {
            let text = try String(contentsOfFile: (Self.dir as NSString).appendingPathComponent(unit), encoding: .utf8)
            XCTAssertTrue(text.contains("ExecStart=/usr/local/bin/infrasight "), "\(unit): ExecStart")
            let staged = text.replacingOccurrences(of: "/usr/local/bin/infrasight", with: stub.path)
            let name = Self.templates[unit].map { unit.replacingOccurrences(of: "@.", with: "@\($0).") } ?? unit
            try staged.write(to: tmp.appendingPathComponent(name), atomically: true, encoding: .utf8)
            files[unit] = tmp.appendingPathComponent(name).path
        }
        return (tmp, files)
    }

    func testSystemdAnalyzeVerifyAcceptsTheUnits() throws {
        let tool = try systemdAnalyze()
        let (tmp, files) = try stagedUnits()
        defer { try? FileManager.default.removeItem(at: tmp) }
        let r = try Deploy.run(tool, ["verify", "--man=no"] + Self.units.map { files[$0]! })
        XCTAssertEqual(r.status, 0, "systemd-analyze verify:\n\(r.combined)")
        // verify exits 0 on unknown keys ("Unknown key … ignoring") and bad values; any diagnostic about
        // our units is a failure.
        let diagnostics = r.combined.split(separator: "\n").filter { line in
            files.values.contains { line.contains(($0 as NSString).lastPathComponent) }
        }
        XCTAssertEqual(diagnostics, [], "systemd-analyze verify complained:\n\(r.combined)")
    }

    func testSecurityExposureScores() throws {
        let tool = try systemdAnalyze()
        let (tmp, files) = try stagedUnits()
        defer { try? FileManager.default.removeItem(at: tmp) }
        // systemd's 0 (locked down) … 10 (unprotected) exposure; the agent keeps four capabilities.
        let limits = ["infrasight-agent.service": 4.5, "infrasight-enrich@.service": 2.0, "infrasight-detect@.service": 2.0,
                      "infrasight-sink.service": 2.0]
        XCTAssertEqual(Set(limits.keys), Set(Self.units), "every unit has an exposure limit")
        for (unit, limit) in limits {
            let r = try Deploy.run(tool, ["security", "--offline=yes", files[unit]!])
            XCTAssertEqual(r.status, 0, "\(unit):\n\(r.combined)")
            let line = r.combined.split(separator: "\n").first { $0.contains("Overall exposure level") } ?? ""
            let score = line.split(separator: ":").last.flatMap { Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") }
            let value = try XCTUnwrap(score, "\(unit): no exposure score in\n\(r.combined)")
            XCTAssertLessThanOrEqual(value, limit, "\(unit) exposure \(value)")
        }
    }

    func testAgentUnitCapabilities() throws {
        let unit = try IniFile(path: (Self.dir as NSString).appendingPathComponent("infrasight-agent.service"))
        XCTAssertEqual(Set(unit.words("Service", "AmbientCapabilities")), Self.agentCaps)
        XCTAssertEqual(Set(unit.words("Service", "CapabilityBoundingSet")), Self.agentCaps)
        XCTAssertEqual(unit.last("Service", "NoNewPrivileges"), "yes")
        XCTAssertNotEqual(unit.last("Service", "User"), "root")
        XCTAssertEqual(unit.last("Service", "LimitMEMLOCK"), "infinity")
        XCTAssertEqual(unit.last("Service", "ProtectSystem"), "strict")
        XCTAssertTrue(unit.values("Service", "Environment").contains("INFRASIGHT_METRICS_ADDRESS=0.0.0.0:9464"))
        XCTAssertEqual(unit.last("Unit", "ConditionPathExists"), "/sys/kernel/btf/vmlinux")
        // `systemctl reload` is the agent's SIGHUP: filters re-read, probes stay attached.
        XCTAssertEqual(unit.last("Service", "ExecReload"), "/bin/kill -HUP $MAINPID")
        try assertCommon(unit, "agent")
    }

    func testEnrichDetectAndSinkUnitsAreHardened() throws {
        for (file, metrics) in [("infrasight-enrich@.service", "INFRASIGHT_METRICS_ADDRESS=0.0.0.0:%i"),
                                ("infrasight-detect@.service", "INFRASIGHT_METRICS_ADDRESS=0.0.0.0:%i"),
                                ("infrasight-sink.service", "INFRASIGHT_METRICS_ADDRESS=0.0.0.0:9466")] {
            let unit = try IniFile(path: (Self.dir as NSString).appendingPathComponent(file))
            for (key, value) in ["DynamicUser": "yes", "NoNewPrivileges": "yes", "ProtectSystem": "strict",
                                 "ProtectHome": "yes", "PrivateTmp": "yes", "PrivateDevices": "yes",
                                 "RestrictSUIDSGID": "yes", "MemoryDenyWriteExecute": "yes"] {
                XCTAssertEqual(unit.last("Service", key), value, "\(file): \(key)")
            }
            XCTAssertEqual(unit.last("Service", "CapabilityBoundingSet"), "", "\(file) keeps capabilities")
            XCTAssertEqual(unit.last("Service", "AmbientCapabilities"), "", file)
            XCTAssertTrue(unit.values("Service", "Environment").contains(metrics), "\(file): metrics address")
            try assertCommon(unit, file)
        }
        let sink = try IniFile(path: (Self.dir as NSString).appendingPathComponent("infrasight-sink.service"))
        XCTAssertTrue(sink.values("Service", "LoadCredential").contains("clickhouse-password:/etc/infrasight/clickhouse-sink.password"))
        XCTAssertTrue(sink.values("Service", "Environment").contains("INFRASIGHT_CLICKHOUSE_PASSWORD_FILE=%d/clickhouse-password"))
    }

    func testTemplateInstancesGetDistinctMetricsPorts() throws {
        let tool = try systemdAnalyze()
        let (tmp, files) = try stagedUnits()
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (template, second) in ["infrasight-enrich@.service": "9475", "infrasight-detect@.service": "9477"] {
            // A second instance; `systemd-analyze verify` expands %i, `cat`-free check via the unit's own text.
            let copy = tmp.appendingPathComponent(template.replacingOccurrences(of: "@.", with: "@\(second)."))
            try FileManager.default.copyItem(atPath: files[template]!, toPath: copy.path)
            let r = try Deploy.run(tool, ["verify", "--man=no", copy.path])
            XCTAssertEqual(r.status, 0, "\(copy.lastPathComponent):\n\(r.combined)")
            let unit = try IniFile(path: (Self.dir as NSString).appendingPathComponent(template))
            XCTAssertTrue(unit.last("Unit", "Description")?.contains("%i") == true, template)
            XCTAssertEqual(unit.values("Service", "Environment").filter { $0.hasPrefix("INFRASIGHT_METRICS_ADDRESS=") },
                           ["INFRASIGHT_METRICS_ADDRESS=0.0.0.0:%i"], template)
        }
    }

    /// detect: the site rules file it is given is the one its comment says to install (deploy/kubernetes/rules/site-rules.yaml,
    /// which the binary accepts), `systemctl reload` is its SIGHUP (rules re-read), alerts go to the journal, and it
    /// carries no ClickHouse setting or credential.
    func testDetectUnitRunsTheSiteRulesAndReloadsThem() throws {
        let path = (Self.dir as NSString).appendingPathComponent("infrasight-detect@.service")
        let unit = try IniFile(path: path)
        let exec = try XCTUnwrap(unit.last("Service", "ExecStart")).split(separator: " ").map(String.init)
        XCTAssertEqual(Array(exec.prefix(2)), ["/usr/local/bin/infrasight", "detect"])
        let rules = try XCTUnwrap(exec.firstIndex(of: "--rules").map { exec[$0 + 1] }, "no --rules in \(exec)")
        XCTAssertEqual(rules, "/etc/infrasight/rules/site-rules.yaml")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.contains("install -D -m 0644 deploy/kubernetes/rules/site-rules.yaml \(rules)"), "the unit says how to install \(rules)")
        let check = try Deploy.run(ProjectPaths.infrasightBinary, ["detect", "--check", "--rules", Deploy.path("deploy/kubernetes/rules/site-rules.yaml")])
        XCTAssertEqual(check.status, 0, check.combined)
        XCTAssertEqual(unit.last("Service", "ExecReload"), "/bin/kill -HUP $MAINPID")
        XCTAssertTrue(unit.values("Service", "Environment").contains("INFRASIGHT_ALERT_LOG=stdout"))
        XCTAssertEqual(unit.values("Service", "LoadCredential").filter { $0.contains("clickhouse") }, [])
        XCTAssertFalse(unit.values("Service", "Environment").contains { $0.contains("CLICKHOUSE") })
    }

    func testEnvironmentFileExampleHasEndpointsAndNoSecrets() throws {
        let text = try String(contentsOfFile: (Self.dir as NSString).appendingPathComponent("infrasight.env"), encoding: .utf8)
        var keys: [String: String] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") && line.contains("=") {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            keys[String(parts[0])] = String(parts[1])
        }
        for key in ["INFRASIGHT_BROKERS", "INFRASIGHT_CLICKHOUSE_URL", "INFRASIGHT_KAFKA_OPTIONS", "INFRASIGHT_CLICKHOUSE_USER"] {
            XCTAssertNotNil(keys[key], "infrasight.env lacks \(key)")
        }
        XCTAssertFalse(keys.keys.contains { $0.contains("PASSWORD") }, "no secrets in the environment file")
        XCTAssertNil(keys["INFRASIGHT_METRICS_ADDRESS"], "per-unit setting; EnvironmentFile= would override the units")
    }

    private func assertCommon(_ unit: IniFile, _ name: String) throws {
        XCTAssertEqual(unit.sections, ["Unit", "Service", "Install"], "\(name): sections")
        XCTAssertEqual(unit.last("Service", "EnvironmentFile"), "/etc/infrasight/infrasight.env", name)
        XCTAssertEqual(unit.last("Service", "Restart"), "on-failure", name)
        XCTAssertEqual(unit.last("Install", "WantedBy"), "multi-user.target", name)
        XCTAssertNotNil(unit.last("Unit", "Description"), name)
        let exec = try XCTUnwrap(unit.last("Service", "ExecStart"), name)
        XCTAssertFalse(exec.lowercased().contains("password"), "\(name): secrets in ExecStart")
        for env in unit.values("Service", "Environment") {
            let key = env.split(separator: "=").first.map(String.init) ?? ""
            XCTAssertFalse(key.hasSuffix("PASSWORD"), "\(name): password in Environment=")
        }
    }
}

/// A minimal systemd unit-file reader: sections in order, repeated keys kept in order, comments dropped.
struct IniFile {
    private(set) var sections: [String] = []
    private var entries: [String: [(String, String)]] = [:]

    init(path: String) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var current: String?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                current = String(line.dropFirst().dropLast())
                sections.append(current!)
                continue
            }
            guard let section = current, let eq = line.firstIndex(of: "=") else {
                throw TestSupportError("\(path): line outside a section or without '=': \(line)")
            }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            let value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            entries[section, default: []].append((key, value))
        }
    }

    func values(_ section: String, _ key: String) -> [String] {
        (entries[section] ?? []).filter { $0.0 == key }.map(\.1)
    }
    func last(_ section: String, _ key: String) -> String? { values(section, key).last }
    func words(_ section: String, _ key: String) -> [String] {
        values(section, key).flatMap { $0.split(separator: " ").map(String.init) }
    }
}
