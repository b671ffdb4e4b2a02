import Foundation
import InfraSightTestSupport
import XCTest

/// compose/docker-compose.yml, checked with docker-compose 1.29.2 itself (`config` validates the file
/// against the Compose schema and normalizes it; no Docker daemon is needed), then the normalized model
/// is inspected. Grafana provisioning and the ClickHouse users file are parsed from disk.
///
/// The agent's `cgroup: private` is a Compose v2 key that docker-compose 1.29.2 rejects: it validates a
/// copy without exactly that one line, and the raw file is checked for the key.
final class ComposeTests: XCTestCase {
    static let composeV2OnlyLine = "    cgroup: private"

    /// Runs docker-compose on a copy of the file without the Compose-v2-only line, next to the original
    /// (relative paths resolve the same), from the repository root (the seccomp profile path does too).
    private func dockerCompose(_ arguments: [String], environment: [String: String] = [:]) throws -> Deploy.Result {
        let compose = try Deploy.requireTool(Deploy.dockerCompose, "docker-compose 1.29.2 (.deps/venv-deploy)")
        let lines = try String(contentsOfFile: Deploy.composeFile, encoding: .utf8).components(separatedBy: "\n")
        let kept = lines.filter { $0 != Self.composeV2OnlyLine }
        XCTAssertEqual(lines.count - kept.count, 1, "exactly one Compose-v2-only line (the agent's cgroup namespace)")
        let copy = Deploy.path("compose/.docker-compose-v1-check-\(UUID().uuidString).yml")
        try kept.joined(separator: "\n").write(toFile: copy, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        return try Deploy.run(compose, ["-f", copy] + arguments, environment: environment, currentDirectory: Deploy.root.path)
    }

    static let stages = ["init", "agent", "enrich", "sink", "detect"]
    static let expectedServices: Set<String> = ["kafka", "clickhouse", "grafana", "init", "agent", "enrich", "sink", "detect"]

    /// The normalized model, computed once per test run (docker-compose takes seconds to start).
    private static var cachedConfig: [String: Any]?

    /// `docker-compose config` output as JSON (via PyYAML).
    private func normalizedConfig() throws -> [String: Any] {
        if let cached = Self.cachedConfig { return cached }
        // Unset variables the file interpolates, so the test sees the file's defaults.
        let r = try dockerCompose(["config"], environment: ["INFRASIGHT_NODE_NAME": "", "INFRASIGHT_VERSION": "",
                                             "INFRASIGHT_LOG_LEVEL": "", "COMPOSE_PROJECT_NAME": "infrasight"])
        XCTAssertEqual(r.status, 0, "docker-compose config failed:\n\(r.combined)")
        guard r.status == 0 else { throw TestSupportError("docker-compose config exited \(r.status)") }
        guard let config = try Deploy.yamlDocuments(r.stdout).first as? [String: Any] else {
            throw TestSupportError("docker-compose config printed no mapping")
        }
        Self.cachedConfig = config
        return config
    }

    private func services() throws -> [String: [String: Any]] {
        let config = try normalizedConfig()
        guard let services = config["services"] as? [String: [String: Any]] else {
            throw TestSupportError("no services in the normalized compose file")
        }
        return services
    }

    func testConfigValidatesAndQuietModeSucceeds() throws {
        let r = try dockerCompose(["config", "--quiet"])
        XCTAssertEqual(r.status, 0, r.combined)
        XCTAssertFalse(r.stderr.contains("WARNING"), "docker-compose warned:\n\(r.stderr)")
        let names = try dockerCompose(["config", "--services"])
        XCTAssertEqual(Set(names.stdout.split(separator: "\n").map(String.init)), Self.expectedServices)
    }

    func testEveryServiceHasImageOrBuildRestartPolicyAndLogging() throws {
        let services = try services()
        XCTAssertEqual(Set(services.keys), Self.expectedServices)
        for (name, s) in services {
            XCTAssertTrue(s["image"] != nil || s["build"] != nil, "\(name): neither image nor build")
            XCTAssertNotNil(s.string("restart"), "\(name): no restart policy")
        }
        for name in Self.stages {
            let s = try XCTUnwrap(services[name])
            XCTAssertEqual(s.string("image")?.hasPrefix("ghcr.io/infrasight/infrasight:"), true, name)
            XCTAssertEqual(s.dict("build")?.string("dockerfile"), "Dockerfile", name)
            XCTAssertEqual(s.dict("build")?.string("context").map { URL(fileURLWithPath: $0).standardized.path },
                           Deploy.root.standardized.path, "\(name): build context is not the repository root")
        }
        XCTAssertEqual(services["init"]?.string("restart"), "no", "the one-shot init must not restart")
        for name in ["agent", "enrich", "sink", "detect", "kafka", "clickhouse", "grafana"] {
            XCTAssertEqual(services[name]?.string("restart"), "unless-stopped", name)
        }
    }

    func testStagesGetEndpointsFromEnvironmentAndSecretsFromFiles() throws {
        let services = try services()
        let secretFiles = try secretValues()
        for name in Self.stages {
            let s = try XCTUnwrap(services[name])
            let env = s.dict("environment") ?? [:]
            XCTAssertEqual(env.string("INFRASIGHT_BROKERS"), "kafka:9092", "\(name): INFRASIGHT_BROKERS")
            XCTAssertNil(env["INFRASIGHT_CLICKHOUSE_PASSWORD"], "\(name): password in the environment")
            XCTAssertNil(env["INFRASIGHT_KAFKA_SASL_PASSWORD"], "\(name): password in the environment")
        }
        let metrics = ["agent": "0.0.0.0:9464", "enrich": "0.0.0.0:9465", "sink": "0.0.0.0:9466", "detect": "0.0.0.0:9467"]
        for (name, address) in metrics {
            XCTAssertEqual(services[name]?.dict("environment")?.string("INFRASIGHT_METRICS_ADDRESS"), address, name)
        }
        // The two services talking to ClickHouse: URL, user, and a password *file* that is a mounted secret.
        for (name, user) in ["init": "infrasight_admin", "sink": "infrasight_sink"] {
            let s = try XCTUnwrap(services[name])
            let env = s.dict("environment") ?? [:]
            XCTAssertEqual(env.string("INFRASIGHT_CLICKHOUSE_URL"), "http://clickhouse:8123", name)
            XCTAssertEqual(env.string("INFRASIGHT_CLICKHOUSE_USER"), user, name)
            let file = try XCTUnwrap(env.string("INFRASIGHT_CLICKHOUSE_PASSWORD_FILE"), "\(name): no password file")
            XCTAssertTrue(file.hasPrefix("/run/secrets/"), "\(name): \(file)")
            let mounted = mountedSecrets(s)
            XCTAssertTrue(mounted.contains((file as NSString).lastPathComponent),
                          "\(name): \(file) is not one of its secrets \(mounted)")
        }
        // No secret value anywhere in the normalized model: not in environment, command or entrypoint.
        for (name, s) in services {
            let flattened = [s["environment"] ?? [:], s["command"] ?? [], s["entrypoint"] ?? [],
                             s["healthcheck"] ?? [:]]
            let text = String(decoding: try JSONSerialization.data(withJSONObject: flattened), as: UTF8.self)
            for (secret, value) in secretFiles {
                XCTAssertFalse(text.contains(value), "\(name) carries the value of secret \(secret) in env/args")
            }
            XCTAssertFalse(stringList(s["command"]).joined(separator: " ").lowercased().contains("password"),
                           "\(name): password-like argument in command")
        }
    }

    func testAgentHasOnlyTheCapabilitiesAndHostAccessItNeeds() throws {
        let agent = try XCTUnwrap(try services()["agent"])
        XCTAssertEqual(Set(stringList(agent["cap_add"])), ["BPF", "PERFMON", "DAC_READ_SEARCH"],
                       "CAP_SYS_RESOURCE only on kernels < 5.11 (documented, not a default)")
        XCTAssertEqual(stringList(agent["cap_drop"]), ["ALL"])
        XCTAssertNotEqual(agent["privileged"] as? Bool, true, "agent must not be privileged by default")
        XCTAssertEqual(agent.string("pid"), "host")
        XCTAssertEqual(agent.string("user"), "0:0", "the agent runs as root inside (capabilities are dropped)")
        XCTAssertEqual(agent["read_only"] as? Bool, true)
        let securityOptions = Set(stringList(agent["security_opt"]))
        XCTAssertTrue(securityOptions.isSuperset(of: ["seccomp:deploy/kubernetes/agent-seccomp.json", "no-new-privileges:true"]),
                      "\(securityOptions)")
        XCTAssertFalse(securityOptions.contains("seccomp:unconfined"))
        let volumes = stringList(agent["volumes"])
        for required in ["/sys/kernel/btf:/sys/kernel/btf:ro", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
                         "/etc/passwd:/host/etc/passwd:ro"] {
            XCTAssertTrue(volumes.contains(required), "agent volumes \(volumes) lack \(required)")
        }
        XCTAssertTrue(volumes.contains("/sys/kernel/tracing:/sys/kernel/tracing:ro")
                      || volumes.contains("/sys/kernel/debug:/sys/kernel/debug:ro"), "no tracefs/debugfs mount")
        for v in volumes { XCTAssertTrue(v.hasSuffix(":ro"), "agent host mount \(v) is not read-only") }
        let command = stringList(agent["command"])
        XCTAssertEqual(command.first, "agent")
        XCTAssertEqual(command.firstIndex(of: "--passwd").map { command[$0 + 1] }, "/host/etc/passwd")
        XCTAssertEqual(agent.dict("environment")?.string("INFRASIGHT_NODE_NAME"), "compose-node")
        XCTAssertNil(agent.at("ulimits.memlock"), "no memlock ulimit by default (kernels >= 5.11 do not need it)")
    }

    func testEnrichIsScalableAndStagesAreUnprivileged() throws {
        let services = try services()
        for name in Self.stages + ["kafka", "clickhouse", "grafana"] {
            XCTAssertNil(services[name]?["container_name"], "\(name) has a container_name (breaks --scale)")
        }
        for name in ["enrich", "detect"] {
            let s = try XCTUnwrap(services[name])
            XCTAssertNil(s["ports"], "\(name) publishes host ports; `--scale \(name)=3` would collide")
        }
        for name in ["enrich", "detect", "sink", "init"] {
            let s = try XCTUnwrap(services[name])
            XCTAssertNil(s["user"], "\(name) overrides the image's non-root user")
            XCTAssertNil(s["cap_add"], "\(name) adds capabilities")
            XCTAssertNil(s["pid"], "\(name) joins a foreign pid namespace")
            XCTAssertEqual(stringList(s["cap_drop"]), ["ALL"], name)
            XCTAssertEqual(s["read_only"] as? Bool, true, name)
            XCTAssertTrue(stringList(s["security_opt"]).contains("no-new-privileges:true"), name)
        }
        // Published ports only on loopback.
        for (name, s) in services {
            for port in (s["ports"] as? [Any]) ?? [] {
                let text = (port as? String) ?? ((port as? [String: Any])?.string("host_ip") ?? "")
                XCTAssertTrue(text.hasPrefix("127.0.0.1"), "\(name) publishes \(port) beyond loopback")
            }
        }
    }

    func testHealthchecksAndStartOrder() throws {
        let services = try services()
        let stagePorts = ["agent": "9464", "enrich": "9465", "sink": "9466", "detect": "9467"]
        for name in ["kafka", "clickhouse", "grafana", "agent", "enrich", "sink", "detect"] {
            let test = stringList(services[name]?.at("healthcheck.test"))
            XCTAssertFalse(test.isEmpty, "\(name): no healthcheck")
            if let port = stagePorts[name] {
                XCTAssertEqual(test, ["CMD", "infrasight-healthcheck", port], "\(name): /healthz probe")
            }
        }
        XCTAssertNil(services["init"]?["healthcheck"], "init is a one-shot")
        for name in ["agent", "enrich", "sink", "detect"] {
            XCTAssertEqual(services[name]?.at("depends_on.init.condition") as? String,
                           "service_completed_successfully", "\(name) must wait for topics + schema")
        }
        for dep in ["kafka", "clickhouse"] {
            XCTAssertEqual(services["init"]?.at("depends_on.\(dep).condition") as? String, "service_healthy")
        }
        let initCommand = stringList(services["init"]?["command"]).joined(separator: " ")
        XCTAssertTrue(initCommand.contains("infrasight topics create"), initCommand)
        XCTAssertTrue(initCommand.contains("infrasight schema apply"), initCommand)
        XCTAssertEqual(stringList(services["init"]?["entrypoint"]), ["/bin/sh", "-ec"])
        // Kafka runs in KRaft mode.
        let kafkaEnv = services["kafka"]?.dict("environment") ?? [:]
        XCTAssertEqual(kafkaEnv.string("KAFKA_PROCESS_ROLES"), "broker,controller")
        XCTAssertNotNil(kafkaEnv.string("CLUSTER_ID"))
        XCTAssertEqual(kafkaEnv.string("KAFKA_CONTROLLER_LISTENER_NAMES"), "CONTROLLER")
        XCTAssertTrue(kafkaEnv.string("KAFKA_ADVERTISED_LISTENERS")?.contains("PLAINTEXT://kafka:9092") == true)
        XCTAssertEqual(services["grafana"]?.dict("environment")?.string("GF_INSTALL_PLUGINS"),
                       "grafana-clickhouse-datasource")
    }

    func testBindMountsAndSecretsExistOnDisk() throws {
        let config = try normalizedConfig()
        let services = config["services"] as? [String: [String: Any]] ?? [:]
        let composeDir = Deploy.path("compose")
        for (name, s) in services {
            for volume in stringList(s["volumes"]) {
                let source = String(volume.split(separator: ":").first ?? "")
                guard source.hasPrefix(composeDir) else { continue }
                XCTAssertTrue(FileManager.default.fileExists(atPath: source), "\(name): bind source \(source) missing")
            }
        }
        let secrets = config["secrets"] as? [String: [String: Any]] ?? [:]
        XCTAssertEqual(Set(secrets.keys), ["clickhouse_admin_password", "clickhouse_sink_password",
                                            "clickhouse_reader_password", "grafana_admin_password"])
        for (name, secret) in secrets {
            let file = try XCTUnwrap(secret.string("file"), name)
            let value = try String(contentsOfFile: file, encoding: .utf8)
            XCTAssertFalse(value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "\(file) is empty")
        }
        let script = Deploy.path("compose/clickhouse/load-secrets.sh")
        let bash = try Deploy.requireTool("/bin/bash", "bash")
        let syntax = try Deploy.run(bash, ["-n", script])
        XCTAssertEqual(syntax.status, 0, syntax.combined)
    }

    func testGrafanaProvisioningIsValid() throws {
        let services = try services()
        let grafana = try XCTUnwrap(services["grafana"])
        let volumes = stringList(grafana["volumes"])
        func containerPath(of hostDir: String) -> String? {
            volumes.first { $0.hasPrefix(Deploy.path(hostDir) + ":") }?.split(separator: ":").dropFirst().first.map(String.init)
        }
        XCTAssertEqual(containerPath(of: "compose/grafana/provisioning/datasources"), "/etc/grafana/provisioning/datasources")
        XCTAssertEqual(containerPath(of: "compose/grafana/provisioning/dashboards"), "/etc/grafana/provisioning/dashboards")
        let dashboardsInContainer = try XCTUnwrap(containerPath(of: "compose/grafana/dashboards"))

        // Datasource: the ClickHouse plugin, read-only user, password from a mounted secret file.
        let ds = try Deploy.yamlDocuments(file: Deploy.path("compose/grafana/provisioning/datasources/clickhouse.yaml"))
        XCTAssertEqual(ds.count, 1)
        XCTAssertEqual(ds[0].string("apiVersion"), "1")
        let source = try XCTUnwrap(ds[0].array("datasources")?.first as? [String: Any])
        XCTAssertEqual(source.string("type"), "grafana-clickhouse-datasource")
        XCTAssertEqual(source.at("jsonData.host") as? String, "clickhouse")
        XCTAssertEqual(source.at("jsonData.username") as? String, "infrasight_reader")
        XCTAssertEqual(source.at("jsonData.defaultDatabase") as? String, "infrasight")
        let password = try XCTUnwrap(source.at("secureJsonData.password") as? String)
        XCTAssertEqual(password, "$__file{/run/secrets/clickhouse_reader_password}")
        XCTAssertTrue(mountedSecrets(grafana).contains("clickhouse_reader_password"))
        let uid = try XCTUnwrap(source.string("uid"))

        // Dashboard provider points at the folder compose mounts compose/grafana/dashboards on.
        let providers = try Deploy.yamlDocuments(file: Deploy.path("compose/grafana/provisioning/dashboards/infrasight.yaml"))
        let provider = try XCTUnwrap(providers.first?.array("providers")?.first as? [String: Any])
        XCTAssertEqual(provider.string("type"), "file")
        XCTAssertEqual(provider.at("options.path") as? String, dashboardsInContainer)

        // Every dashboard JSON parses and uses the provisioned datasource; the overview has the exec panel.
        let dir = Deploy.path("compose/grafana/dashboards")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".json") }
        XCTAssertFalse(files.isEmpty, "no dashboards in \(dir)")
        var titles: [String: [String: Any]] = [:]
        for file in files {
            let dashboard = try Deploy.jsonObject(file: (dir as NSString).appendingPathComponent(file))
            titles[dashboard.string("title") ?? file] = dashboard
            for case let panel as [String: Any] in dashboard.array("panels") ?? [] {
                if let ds = panel.dict("datasource") { XCTAssertEqual(ds.string("uid"), uid, "\(file): panel datasource") }
            }
        }
        let overview = try XCTUnwrap(titles["InfraSight overview"], "no 'InfraSight overview' dashboard")
        let sql = (overview.array("panels") ?? []).compactMap { $0 as? [String: Any] }
            .flatMap { ($0.array("targets") ?? []).compactMap { ($0 as? [String: Any])?.string("rawSql") } }
        XCTAssertTrue(sql.contains("SELECT toStartOfMinute(time) AS t, count() FROM infrasight.exec_events GROUP BY t ORDER BY t"),
                      "overview queries: \(sql)")
    }

    /// The ClickHouse users file: parsed with Python's XML parser (well-formedness) and checked for the
    /// locked-down default user and the three InfraSight users' grants and password sources.
    func testClickHouseUsersLockDownDefaultAndLimitGrants() throws {
        let python = try Deploy.requireTool(ProjectPaths.python, "Python of the test venv")
        let file = Deploy.path("compose/clickhouse/users.d/infrasight-users.xml")
        let script = """
        import json, sys, xml.etree.ElementTree as ET
        users = ET.parse(sys.argv[1]).getroot().find('users')
        out = {}
        for u in users:
            pw = u.find('password')
            out[u.tag] = {
                'password_env': pw.get('from_env') if pw is not None else None,
                'networks': [ip.text for ip in u.findall('networks/ip')],
                'profile': u.findtext('profile'),
                'access_management': u.findtext('access_management'),
                'grants': [q.text for q in u.findall('grants/query')],
            }
        json.dump(out, sys.stdout)
        """
        let r = try Deploy.run(python, ["-c", script, file])
        XCTAssertEqual(r.status, 0, "users XML did not parse:\n\(r.stderr)")
        let users = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: [String: Any]])
        XCTAssertEqual(Set(users.keys), ["default", "infrasight_admin", "infrasight_sink", "infrasight_reader"])
        let def = try XCTUnwrap(users["default"])
        XCTAssertEqual(Set(stringList(def["networks"])), ["::1", "127.0.0.1"], "default user reachable off-host")
        XCTAssertEqual(def.string("profile"), "readonly")
        XCTAssertEqual(def.string("access_management"), "0")
        XCTAssertEqual(stringList(users["infrasight_sink"]?["grants"]),
                       ["GRANT INSERT ON infrasight.*", "GRANT SELECT ON infrasight.schema_migrations"])
        XCTAssertEqual(stringList(users["infrasight_reader"]?["grants"]), ["GRANT SELECT ON infrasight.*"])
        XCTAssertEqual(users["infrasight_reader"]?.string("profile"), "infrasight_reader")
        let xml = try String(contentsOfFile: file, encoding: .utf8)
        XCTAssertTrue(xml.contains("<readonly>2</readonly>"), "reader profile must be read-only")
        // Each password comes from an environment variable that load-secrets.sh exports from a compose secret.
        let loader = try String(contentsOfFile: Deploy.path("compose/clickhouse/load-secrets.sh"), encoding: .utf8)
        XCTAssertTrue(loader.contains("for role in admin sink reader"))
        XCTAssertTrue(loader.contains("INFRASIGHT_CH_${role^^}_PASSWORD"))
        for (user, role) in ["infrasight_admin": "ADMIN", "infrasight_sink": "SINK", "infrasight_reader": "READER"] {
            XCTAssertEqual(users[user]?.string("password_env"), "INFRASIGHT_CH_\(role)_PASSWORD", user)
        }
    }

    /// detect needs only Kafka (no ClickHouse endpoint, user, secret or dependency), runs the rules file
    /// the service mounts, and the binary accepts exactly that file (`detect --check`). The folder, not the
    /// file, is mounted read-only, so an edit on the host reaches the container (a single-file bind mount
    /// keeps the old inode when an editor replaces the file).
    func testDetectNeedsOnlyKafkaAndRunsTheMountedSiteRules() throws {
        let detect = try XCTUnwrap(try services()["detect"])
        let env = detect.dict("environment") ?? [:]
        XCTAssertEqual(env.keys.filter { $0.hasPrefix("INFRASIGHT_CLICKHOUSE") }, [], "detect does not talk to ClickHouse")
        XCTAssertTrue(mountedSecrets(detect).isEmpty, "detect mounts secrets \(mountedSecrets(detect))")
        XCTAssertNil(detect.at("depends_on.clickhouse"), "detect must not wait for ClickHouse itself")
        XCTAssertEqual(env.string("INFRASIGHT_ALERT_LOG"), "stdout", "alerts as JSON lines in the container log")
        XCTAssertNil(env["INFRASIGHT_WEBHOOK"], "no webhook by default")

        let command = stringList(detect["command"])
        XCTAssertEqual(command.first, "detect")
        let rulesInContainer = try XCTUnwrap(command.firstIndex(of: "--rules").map { command[$0 + 1] }, "no --rules in \(command)")
        let volumes = stringList(detect["volumes"])
        XCTAssertEqual(volumes, [Deploy.path("deploy/kubernetes/rules") + ":/etc/infrasight/rules:ro"])
        let parts = try XCTUnwrap(volumes.first).split(separator: ":").map(String.init)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: parts[0], isDirectory: &isDirectory) && isDirectory.boolValue,
                      "\(parts[0]) is not a folder")
        XCTAssertTrue(rulesInContainer.hasPrefix(parts[1] + "/"), "\(rulesInContainer) is not inside the mount \(parts[1])")
        let onHost = parts[0] + String(rulesInContainer.dropFirst(parts[1].count))
        XCTAssertEqual(onHost, Deploy.path("deploy/kubernetes/rules/site-rules.yaml"))
        let check = try Deploy.run(ProjectPaths.infrasightBinary, ["detect", "--check", "--rules", onHost])
        XCTAssertEqual(check.status, 0, "detect refused \(onHost):\n\(check.combined)")
        XCTAssertTrue(check.stdout.range(of: #"^\d+ rules: "#, options: .regularExpression) != nil, check.combined)
    }

    // MARK: helpers

    private func mountedSecrets(_ service: [String: Any]) -> [String] {
        ((service["secrets"] as? [Any]) ?? []).compactMap {
            ($0 as? String) ?? ($0 as? [String: Any])?.string("source")
        }
    }

    private func secretValues() throws -> [String: String] {
        let dir = Deploy.path("compose/secrets")
        var values: [String: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: dir) where !name.hasSuffix(".md") {
            values[name] = try String(contentsOfFile: (dir as NSString).appendingPathComponent(name), encoding: .utf8)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        XCTAssertEqual(values.count, 4)
        return values
    }
}
