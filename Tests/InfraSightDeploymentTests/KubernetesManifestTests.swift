import Foundation
import InfraSightTestSupport
import XCTest

/// deploy/kubernetes: every core manifest validated by kubernetes-validate against the Kubernetes
/// OpenAPI schemas of `Deploy.kubernetesVersion` (1.30.0) in strict mode (unknown fields are errors), then the
/// security-relevant parts inspected.
///
/// CRD-based files are NOT schema-checked, because kubernetes-validate only ships built-in schemas:
///   - servicemonitor.yaml       (monitoring.coreos.com/v1 ServiceMonitor)
///   - keda-scaledobject.yaml    (keda.sh/v1alpha1 ScaledObject, TriggerAuthentication)
///   - kustomization.yaml        (kustomize.config.k8s.io/v1beta1, not an API object)
/// They are parsed as YAML and their fields checked by the assertions below; kubernetes-validate must
/// report nothing about them but "Couldn't find schema".
final class KubernetesManifestTests: XCTestCase {
    static let dir = Deploy.path("deploy/kubernetes")
    static let crdFiles: Set<String> = ["servicemonitor.yaml", "keda-scaledobject.yaml"]
    static let notAnObject: Set<String> = ["kustomization.yaml"]
    /// Shipped but not in kustomization.yaml: the HPA alternative to KEDA, and the Prometheus Operator's object.
    static let notDeployedByDefault: Set<String> = ["hpa.yaml", "servicemonitor.yaml"]
    /// CAP_SYS_RESOURCE only on kernels < 5.11 (documented in the DaemonSet, not a default).
    static let agentCaps: Set<String> = ["BPF", "PERFMON", "DAC_READ_SEARCH"]

    private func manifestFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: Self.dir).filter { $0.hasSuffix(".yaml") }.sorted()
    }

    private func docs(_ file: String) throws -> [[String: Any]] {
        try Deploy.yamlDocuments(file: (Self.dir as NSString).appendingPathComponent(file))
    }

    private func object(_ file: String, kind: String, name: String) throws -> [String: Any] {
        let found = try docs(file).first { $0.string("kind") == kind && $0.dict("metadata")?.string("name") == name }
        return try XCTUnwrap(found, "\(file): no \(kind) \(name)")
    }

    func testCoreManifestsPassStrictSchemaValidation() throws {
        let validator = try Deploy.requireTool(Deploy.kubernetesValidate, "kubernetes-validate (.deps/venv)")
        let core = try manifestFiles().filter { !Self.crdFiles.contains($0) && !Self.notAnObject.contains($0) }
        XCTAssertGreaterThanOrEqual(core.count, 9, "core manifests: \(core)")
        let r = try Deploy.run(validator, ["-k", Deploy.kubernetesVersion, "--strict"]
                               + core.map { (Self.dir as NSString).appendingPathComponent($0) })
        XCTAssertEqual(r.status, 0, "kubernetes-validate failed:\n\(r.combined)")
        XCTAssertFalse(r.combined.contains("ERROR"), r.combined)
        XCTAssertFalse(r.combined.contains("Couldn't find schema"), "a core manifest uses an unknown kind:\n\(r.combined)")
        // One "passed" line per object.
        let objects = try core.reduce(0) { $0 + (try docs($1).count) }
        let passed = r.combined.split(separator: "\n").filter { $0.contains(" passed for resource ") }.count
        XCTAssertEqual(passed, objects, r.combined)
    }

    func testCRDFilesAreOnlyUnknownToTheValidator() throws {
        let validator = try Deploy.requireTool(Deploy.kubernetesValidate, "kubernetes-validate (.deps/venv)")
        for file in Self.crdFiles.union(Self.notAnObject).sorted() {
            let r = try Deploy.run(validator, ["-k", Deploy.kubernetesVersion, "--strict",
                                               (Self.dir as NSString).appendingPathComponent(file)])
            XCTAssertEqual(r.status, 0, "\(file):\n\(r.combined)")
            let lines = r.combined.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            for line in lines {
                XCTAssertTrue(line.contains("Couldn't find schema"), "\(file): unexpected validator output \(line)")
            }
            XCTAssertFalse(try docs(file).isEmpty, "\(file) is empty")
        }
    }

    func testKustomizationListsExactlyTheCoreFiles() throws {
        let k = try XCTUnwrap(try docs("kustomization.yaml").first)
        XCTAssertEqual(k.string("kind"), "Kustomization")
        XCTAssertEqual(k.string("namespace"), "infrasight")
        let resources = stringList(k["resources"])
        let deployed = try manifestFiles().filter { !Self.notAnObject.contains($0) && !Self.notDeployedByDefault.contains($0) }
        XCTAssertEqual(Set(resources), Set(deployed), "kustomization resources vs the deployed files")
        XCTAssertEqual(resources.count, Set(resources).count, "duplicate resources")
        XCTAssertTrue(resources.contains("keda-scaledobject.yaml"), "KEDA is the default scaler")
        XCTAssertFalse(resources.contains("hpa.yaml"), "the HPA is the alternative: never both (KEDA makes its own HPA)")
    }

    /// `kubectl kustomize` (Debian's kubernetes-client in .deps/kubectl) renders the kustomization; every
    /// rendered built-in object passes strict validation, the CRD objects are only unknown to the
    /// validator, every object is labelled and namespaced, every InfraSight container runs the image
    /// `make image` builds, and the generated seccomp ConfigMap holds agent-seccomp.json byte for byte.
    func testKustomizationRendersAndTheRenderedObjectsValidate() throws {
        let kubectl = try Deploy.requireTool(ProjectPaths.deps.appendingPathComponent("kubectl/usr/bin/kubectl").path,
                                             "kubectl (Debian kubernetes-client, unpacked in .deps/kubectl)")
        let render = try Deploy.run(kubectl, ["kustomize", Self.dir])
        XCTAssertEqual(render.status, 0, "kubectl kustomize failed:\n\(render.combined)")
        let objects = try Deploy.yamlDocuments(render.stdout).compactMap { $0 as? [String: Any] }
        XCTAssertGreaterThanOrEqual(objects.count, 25, "rendered objects")
        let rendered = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-rendered-\(UUID().uuidString).yaml")
        try render.stdout.write(to: rendered, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: rendered) }
        let validator = try Deploy.requireTool(Deploy.kubernetesValidate, "kubernetes-validate (.deps/venv)")
        let r = try Deploy.run(validator, ["-k", Deploy.kubernetesVersion, "--strict", rendered.path])
        XCTAssertFalse(r.combined.contains("ERROR"), r.combined)
        let crdKinds: Set<String> = ["ScaledObject", "TriggerAuthentication"]
        let builtIn = objects.filter { !crdKinds.contains($0.string("kind") ?? "") }
        let passed = r.combined.split(separator: "\n").filter { $0.contains(" passed for resource ") }.count
        XCTAssertEqual(passed, builtIn.count, "every built-in rendered object passes:\n\(r.combined)")
        let unknown = r.combined.split(separator: "\n").filter { $0.contains("Couldn't find schema") }.count
        XCTAssertEqual(unknown, objects.count - builtIn.count, "only the CRD objects are unknown:\n\(r.combined)")
        var images: Set<String> = []
        for o in objects {
            let kind = o.string("kind") ?? "?", name = o.at("metadata.name") as? String ?? "?"
            XCTAssertEqual(o.dict("metadata")?.dict("labels")?["app.kubernetes.io/part-of"] as? String, "infrasight",
                           "\(kind) \(name) lacks the part-of label")
            if kind != "Namespace" { XCTAssertEqual(o.at("metadata.namespace") as? String, "infrasight", "\(kind) \(name)") }
            guard let spec = o.at("spec.template.spec") as? [String: Any] else { continue }
            for case let c as [String: Any] in (spec.array("initContainers") ?? []) + (spec.array("containers") ?? []) {
                images.insert(c.string("image") ?? "")
            }
        }
        XCTAssertEqual(images, ["localhost/infrasight:dev"], "the image make image builds, tagged through kustomize")
        let profile = try XCTUnwrap(objects.first { $0.string("kind") == "ConfigMap"
            && ($0.at("metadata.name") as? String)?.hasPrefix("infrasight-agent-seccomp-") == true }, "no generated seccomp ConfigMap")
        let shipped = try String(contentsOfFile: Self.dir + "/agent-seccomp.json", encoding: .utf8)
        XCTAssertEqual(profile.dict("data")?.string("agent.json"), shipped)
        let ds = try XCTUnwrap(objects.first { $0.string("kind") == "DaemonSet" })
        let volumes = (ds.at("spec.template.spec.volumes") as? [Any] ?? []).compactMap { $0 as? [String: Any] }
        XCTAssertEqual(volumes.first { $0.string("name") == "seccomp-profile" }?.at("configMap.name") as? String,
                       profile.at("metadata.name") as? String, "the DaemonSet mounts the generated (hashed) ConfigMap")
    }

    func testEveryObjectIsNamespacedAndImagesArePlaceholders() throws {
        for file in try manifestFiles() where !Self.notAnObject.contains(file) {
            for doc in try docs(file) {
                let kind = doc.string("kind") ?? "?"
                if kind == "Namespace" { continue }
                XCTAssertEqual(doc.at("metadata.namespace") as? String, "infrasight", "\(file): \(kind)")
            }
            XCTAssertFalse(try docs(file).contains(where: containsPrivilegedTrue), "\(file) has privileged: true")
        }
        for (file, kind, name) in [("agent-daemonset.yaml", "DaemonSet", "infrasight-agent"),
                                   ("enrich-deployment.yaml", "Deployment", "infrasight-enrich"),
                                   ("detect-deployment.yaml", "Deployment", "infrasight-detect"),
                                   ("sink-deployment.yaml", "Deployment", "infrasight-sink"),
                                   ("setup-job.yaml", "Job", "infrasight-setup")] {
            let spec = try podSpec(try object(file, kind: kind, name: name))
            for case let c as [String: Any] in (spec.array("initContainers") ?? []) + (spec.array("containers") ?? []) {
                XCTAssertTrue(c.string("image")?.hasPrefix("ghcr.io/infrasight/infrasight:") == true, "\(file)")
            }
        }
    }

    func testAgentDaemonSetHasMinimalPrivilegesAndHostAccess() throws {
        let ds = try object("agent-daemonset.yaml", kind: "DaemonSet", name: "infrasight-agent")
        let spec = try podSpec(ds)
        XCTAssertEqual(spec["hostPID"] as? Bool, true)
        XCTAssertNotEqual(spec["hostNetwork"] as? Bool, true)
        XCTAssertEqual(spec["automountServiceAccountToken"] as? Bool, false)
        XCTAssertTrue((spec.array("tolerations") ?? []).contains { ($0 as? [String: Any])?.string("operator") == "Exists"
            && ($0 as? [String: Any])?["key"] == nil }, "agent must tolerate every taint")
        let c = try container(spec)
        let sc = try XCTUnwrap(c.dict("securityContext"))
        XCTAssertEqual(Set(stringList(sc.at("capabilities.add"))), Self.agentCaps)
        XCTAssertEqual(stringList(sc.at("capabilities.drop")), ["ALL"])
        XCTAssertNotEqual(sc["privileged"] as? Bool, true)
        XCTAssertEqual(sc["readOnlyRootFilesystem"] as? Bool, true)
        XCTAssertEqual(sc["allowPrivilegeEscalation"] as? Bool, false)
        let args = stringList(c["args"])
        XCTAssertEqual(args.first, "agent")
        XCTAssertEqual(args.firstIndex(of: "--passwd").map { args[$0 + 1] }, "/host/etc/passwd")
        // NODE_NAME from the downward API.
        let env = (c.array("env") ?? []).compactMap { $0 as? [String: Any] }
        let node = try XCTUnwrap(env.first { $0.string("name") == "NODE_NAME" })
        XCTAssertEqual(node.at("valueFrom.fieldRef.fieldPath") as? String, "spec.nodeName")
        XCTAssertEqual(env.first { $0.string("name") == "INFRASIGHT_METRICS_ADDRESS" }?.string("value"), "0.0.0.0:9464")
        try assertResources(c, "agent")
        try assertHealthProbes(c, port: 9464, "agent")
        try assertScrapeAnnotations(ds, port: "9464")
        // Host mounts: read-only, from the expected host paths.
        let volumes = Dictionary(uniqueKeysWithValues: (spec.array("volumes") ?? []).compactMap { $0 as? [String: Any] }
            .map { ($0.string("name") ?? "", $0) })
        var hostMounts: [String: String] = [:]   // host path -> mount path
        for case let m as [String: Any] in c.array("volumeMounts") ?? [] {
            guard let v = volumes[m.string("name") ?? ""], let host = v.at("hostPath.path") as? String else { continue }
            XCTAssertEqual(m["readOnly"] as? Bool, true, "host mount \(host) is writable")
            hostMounts[host] = m.string("mountPath")
        }
        XCTAssertEqual(hostMounts["/sys/kernel/btf"], "/sys/kernel/btf")
        XCTAssertEqual(hostMounts["/sys/fs/cgroup"], "/sys/fs/cgroup")
        XCTAssertEqual(hostMounts["/etc/passwd"], "/host/etc/passwd")
        XCTAssertTrue(hostMounts["/sys/kernel/tracing"] != nil || hostMounts["/sys/kernel/debug"] != nil, "no tracefs")
        // Runtime sockets for container metadata, at the paths the agent looks by default.
        XCTAssertEqual(hostMounts["/run/containerd"], "/run/containerd")
        XCTAssertEqual(hostMounts["/var/run/crio"], "/var/run/crio")
        XCTAssertEqual(Set(hostMounts.keys).subtracting(["/sys/kernel/btf", "/sys/fs/cgroup", "/etc/passwd",
                                                         "/sys/kernel/tracing", "/sys/kernel/debug", "/proc",
                                                         "/run/containerd", "/var/run/crio"]), [],
                       "unexpected host mounts")
    }

    func testEnrichDetectAndSinkAreUnprivileged() throws {
        for (file, name, port) in [("enrich-deployment.yaml", "infrasight-enrich", 9465),
                                   ("detect-deployment.yaml", "infrasight-detect", 9467),
                                   ("sink-deployment.yaml", "infrasight-sink", 9466)] {
            let d = try object(file, kind: "Deployment", name: name)
            let spec = try podSpec(d)
            XCTAssertEqual(spec.at("securityContext.runAsNonRoot") as? Bool, true, name)
            XCTAssertNotEqual((spec.at("securityContext.runAsUser") as? NSNumber)?.intValue, 0, name)
            XCTAssertEqual(spec.at("securityContext.seccompProfile.type") as? String, "RuntimeDefault", name)
            XCTAssertNil(spec["hostPID"], name); XCTAssertNil(spec["hostNetwork"], name)
            XCTAssertEqual(spec["automountServiceAccountToken"] as? Bool, false, name)
            XCTAssertEqual(spec.string("serviceAccountName"), name, "\(name): its own ServiceAccount")
            _ = try object("serviceaccounts.yaml", kind: "ServiceAccount", name: name)
            for case let v as [String: Any] in spec.array("volumes") ?? [] {
                XCTAssertNil(v["hostPath"], "\(name) mounts a host path")
            }
            let c = try container(spec)
            let sc = try XCTUnwrap(c.dict("securityContext"), name)
            XCTAssertEqual(sc["allowPrivilegeEscalation"] as? Bool, false, name)
            XCTAssertEqual(sc["readOnlyRootFilesystem"] as? Bool, true, name)
            XCTAssertEqual(stringList(sc.at("capabilities.drop")), ["ALL"], name)
            XCTAssertNil(sc.at("capabilities.add"), name)
            let env = (c.array("env") ?? []).compactMap { $0 as? [String: Any] }
            XCTAssertEqual(env.first { $0.string("name") == "INFRASIGHT_METRICS_ADDRESS" }?.string("value"), "0.0.0.0:\(port)")
            XCTAssertNil(env.first { ["INFRASIGHT_CLICKHOUSE_PASSWORD", "INFRASIGHT_KAFKA_SASL_PASSWORD"].contains($0.string("name") ?? "") },
                         "\(name): password as an environment value; use the *_FILE variables")
            let envFrom = (c.array("envFrom") ?? []).compactMap { ($0 as? [String: Any])?.at("configMapRef.name") as? String }
            XCTAssertEqual(envFrom, ["infrasight-config"], name)
            try assertResources(c, name)
            try assertHealthProbes(c, port: port, name)
            try assertScrapeAnnotations(d, port: String(port))
            // Password files point into mounted Secret volumes.
            let mounts = (c.array("volumeMounts") ?? []).compactMap { $0 as? [String: Any] }
            for variable in env where (variable.string("name") ?? "").hasSuffix("_PASSWORD_FILE") {
                let file = try XCTUnwrap(variable.string("value"))
                let mount = mounts.first { file.hasPrefix((($0.string("mountPath") ?? "") as NSString).appendingPathComponent("")) }
                let volume = (spec.array("volumes") ?? []).compactMap { $0 as? [String: Any] }
                    .first { $0.string("name") == mount?.string("name") }
                XCTAssertNotNil(volume?["secret"], "\(name): \(file) is not inside a Secret volume")
            }
        }
        let sinkEnv = try container(try podSpec(try object("sink-deployment.yaml", kind: "Deployment", name: "infrasight-sink")))
            .array("env")?.compactMap { $0 as? [String: Any] } ?? []
        XCTAssertNotNil(sinkEnv.first { $0.string("name") == "INFRASIGHT_CLICKHOUSE_PASSWORD_FILE" })
        XCTAssertEqual(sinkEnv.first { $0.string("name") == "INFRASIGHT_CLICKHOUSE_USER" }?.at("valueFrom.secretKeyRef.name") as? String,
                       "infrasight-clickhouse-sink")
    }

    /// The setup Job: topics first (init container), then the schema, each an unprivileged `infrasight`
    /// step; only this Job mounts the DDL-capable ClickHouse user.
    func testSetupJobRunsTopicsThenSchemaUnprivileged() throws {
        let job = try object("setup-job.yaml", kind: "Job", name: "infrasight-setup")
        let spec = try podSpec(job)
        XCTAssertEqual(spec.string("restartPolicy"), "OnFailure")
        XCTAssertGreaterThan((job.at("spec.backoffLimit") as? NSNumber)?.intValue ?? 0, 0, "retries while Kafka or ClickHouse come up")
        XCTAssertEqual(spec.at("securityContext.runAsNonRoot") as? Bool, true)
        XCTAssertEqual(spec.at("securityContext.seccompProfile.type") as? String, "RuntimeDefault")
        XCTAssertEqual(spec["automountServiceAccountToken"] as? Bool, false)
        XCTAssertEqual(spec.string("serviceAccountName"), "infrasight-setup")
        _ = try object("serviceaccounts.yaml", kind: "ServiceAccount", name: "infrasight-setup")
        let steps = try Self.setupSteps(spec)
        XCTAssertEqual(steps.map { Array($0.args.prefix(2)) }, [["topics", "create"], ["schema", "apply"]])
        for c in steps.map(\.container) {
            let sc = try XCTUnwrap(c.dict("securityContext"))
            XCTAssertEqual(sc["allowPrivilegeEscalation"] as? Bool, false)
            XCTAssertEqual(sc["readOnlyRootFilesystem"] as? Bool, true)
            XCTAssertEqual(stringList(sc.at("capabilities.drop")), ["ALL"])
            try assertResources(c, c.string("name") ?? "?")
        }
        for file in try manifestFiles() where file != "setup-job.yaml" && file != "secrets.yaml" {
            let text = try String(contentsOfFile: (Self.dir as NSString).appendingPathComponent(file), encoding: .utf8)
            XCTAssertFalse(text.contains("infrasight-clickhouse-admin"), "\(file) uses the admin user")
        }
    }

    /// The Job's exact steps (args, and environment with the cluster's endpoints and secrets swapped for
    /// a real tansu broker and a real ClickHouse) create every topic and the schema, twice (idempotent).
    func testSetupJobStepsRunAgainstARealBrokerAndClickHouse() throws {
        let spec = try podSpec(try object("setup-job.yaml", kind: "Job", name: "infrasight-setup"))
        let configMap = try object("configmap.yaml", kind: "ConfigMap", name: "infrasight-config").dict("data") as? [String: String] ?? [:]
        let broker = try TansuBroker.start()
        defer { broker.stop() }
        let clickhouse = try ClickHouseServer.start()
        defer { clickhouse.stop() }
        let work = NSTemporaryDirectory() + "is-setup-job-\(getpid())"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let secretFile = work + "/password"
        try "".write(toFile: secretFile, atomically: true, encoding: .utf8)   // the test ClickHouse's default user
        for round in 1...2 {
            for step in try Self.setupSteps(spec) {
                var env: [String: String] = [:]
                for (k, v) in configMap { env[k] = v }
                for case let e as [String: Any] in step.container.array("env") ?? [] {
                    guard let name = e.string("name") else { continue }
                    if let value = e.string("value") { env[name] = value.hasPrefix("/var/run/secrets/") ? secretFile : value }
                    if e.at("valueFrom.secretKeyRef") != nil { env[name] = "default" }
                }
                XCTAssertNotNil(env["INFRASIGHT_BROKERS"]); XCTAssertNotNil(env["INFRASIGHT_CLICKHOUSE_URL"])
                env["INFRASIGHT_BROKERS"] = broker.bootstrap
                env["INFRASIGHT_CLICKHOUSE_URL"] = clickhouse.url
                let p = try ChildProcess(name: "setup \(step.args.joined(separator: " ")) #\(round)", executable: ProjectPaths.infrasightBinary,
                                         arguments: step.args, environment: env, logPath: work + "/step-\(round)-\(step.args[0]).log")
                p.process.waitUntilExit()
                XCTAssertEqual(p.process.terminationStatus, 0, "round \(round): infrasight \(step.args.joined(separator: " ")):\n\(p.output())")
            }
        }
        let topics = try ChildProcess(name: "topics list", executable: ProjectPaths.infrasightBinary,
                                      arguments: ["topics", "list", "--brokers", broker.bootstrap], logPath: work + "/list.log")
        topics.process.waitUntilExit()
        for name in ["infrasight.raw.execve", "infrasight.events.open", "infrasight.dlq", "infrasight.stats", "infrasight.alerts"] {
            XCTAssertTrue(topics.output().contains(name), "topic \(name) missing:\n\(topics.output())")
        }
        let tables = try clickhouse.query("SELECT name FROM system.tables WHERE database = 'infrasight' FORMAT TSV")
        for table in ["file_events", "exec_events", "schema_migrations"] {
            XCTAssertTrue(tables.split(separator: "\n").contains(Substring(table)), "table \(table) missing:\n\(tables)")
        }
    }

    /// The Job's steps in order: its init containers, then its containers, with their args.
    private static func setupSteps(_ spec: [String: Any]) throws -> [(container: [String: Any], args: [String])] {
        let all = ((spec.array("initContainers") ?? []) + (spec.array("containers") ?? [])).compactMap { $0 as? [String: Any] }
        return all.map { ($0, (($0["args"] as? [Any]) ?? []).compactMap { $0 as? String }) }
    }

    func testConfigMapAndSecretTemplates() throws {
        let cm = try object("configmap.yaml", kind: "ConfigMap", name: "infrasight-config")
        for key in ["INFRASIGHT_BROKERS", "INFRASIGHT_CLICKHOUSE_URL", "INFRASIGHT_KAFKA_OPTIONS"] {
            XCTAssertNotNil(cm.dict("data")?[key], "ConfigMap lacks \(key)")
        }
        XCTAssertFalse((cm.dict("data") ?? [:]).keys.contains { $0.contains("PASSWORD") }, "secret material in the ConfigMap")
        let secrets = try docs("secrets.yaml")
        XCTAssertEqual(Set(secrets.compactMap { $0.at("metadata.name") as? String }),
                       ["infrasight-clickhouse-sink", "infrasight-clickhouse-admin", "infrasight-clickhouse-reader", "infrasight-kafka-sasl"])
        for s in secrets {
            XCTAssertEqual(s.string("kind"), "Secret")
            let password = try XCTUnwrap(s.at("stringData.password") as? String)
            XCTAssertTrue(password.hasPrefix("REPLACE_ME"), "secret template value must be a marked placeholder")
        }
    }

    /// Each stage mounts its YAML config from infrasight-stage-configs and points INFRASIGHT_CONFIG at it,
    /// and the binary accepts every shipped file (unknown keys would be refused before `--help`).
    func testStageConfigsAreMountedAndAcceptedByTheBinary() throws {
        let cm = try object("stage-configs.yaml", kind: "ConfigMap", name: "infrasight-stage-configs")
        let data = try XCTUnwrap(cm.dict("data") as? [String: String])
        XCTAssertEqual(Set(data.keys), ["agent.yaml", "enrich.yaml", "detect.yaml", "sink.yaml"])
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-k8s-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        for (stage, file, kind) in [("agent", "agent-daemonset.yaml", "DaemonSet"), ("enrich", "enrich-deployment.yaml", "Deployment"),
                                    ("detect", "detect-deployment.yaml", "Deployment"), ("sink", "sink-deployment.yaml", "Deployment")] {
            let workload = try object(file, kind: kind, name: "infrasight-\(stage)")
            let spec = try XCTUnwrap(workload.at("spec.template.spec") as? [String: Any])
            let volume = (spec.array("volumes") ?? []).compactMap { $0 as? [String: Any] }.first { $0.string("name") == "stage-config" }
            XCTAssertEqual(volume?.at("configMap.name") as? String, "infrasight-stage-configs", "\(file): stage-config volume")
            let container = try XCTUnwrap((spec.array("containers") ?? []).first as? [String: Any])
            let mount = (container.array("volumeMounts") ?? []).compactMap { $0 as? [String: Any] }.first { $0.string("name") == "stage-config" }
            XCTAssertEqual(mount?.string("mountPath"), "/etc/infrasight", "\(file): mount")
            let env = (container.array("env") ?? []).compactMap { $0 as? [String: Any] }.first { $0.string("name") == "INFRASIGHT_CONFIG" }
            XCTAssertEqual(env?.string("value"), "/etc/infrasight/\(stage).yaml", "\(file): INFRASIGHT_CONFIG")

            let path = tmp.appendingPathComponent("\(stage).yaml").path
            try XCTUnwrap(data["\(stage).yaml"]).write(toFile: path, atomically: true, encoding: .utf8)
            let p = try ChildProcess(name: "infrasight \(stage) --config", executable: ProjectPaths.infrasightBinary,
                                     arguments: [stage, "--config", path, "--help"], logPath: path + ".log")
            p.process.waitUntilExit()
            XCTAssertEqual(p.process.terminationStatus, 0, "\(stage).yaml refused: \(p.output())")
        }
    }

    func testAutoscalingOnConsumerLagWithHPAAndKEDA() throws {
        for (name, group) in [("infrasight-enrich", "infrasight-enrich"), ("infrasight-detect", "infrasight-detect"),
                              ("infrasight-sink", "infrasight-sink")] {
            let hpa = try object("hpa.yaml", kind: "HorizontalPodAutoscaler", name: name)
            XCTAssertEqual(hpa.string("apiVersion"), "autoscaling/v2")
            XCTAssertEqual(hpa.at("spec.scaleTargetRef.kind") as? String, "Deployment")
            XCTAssertEqual(hpa.at("spec.scaleTargetRef.name") as? String, name)
            let metric = try XCTUnwrap(hpa.at("spec.metrics") as? [Any]).first as? [String: Any]
            XCTAssertEqual(metric?.string("type"), "External")
            XCTAssertEqual(metric?.at("external.metric.selector.matchLabels.consumergroup") as? String, group)
            let scaled = try object("keda-scaledobject.yaml", kind: "ScaledObject", name: name)
            XCTAssertEqual(scaled.string("apiVersion"), "keda.sh/v1alpha1")
            XCTAssertEqual(scaled.at("spec.scaleTargetRef.name") as? String, name)
            let trigger = try XCTUnwrap((scaled.at("spec.triggers") as? [Any])?.first as? [String: Any])
            XCTAssertEqual(trigger.string("type"), "kafka")
            XCTAssertEqual(trigger.at("metadata.consumerGroup") as? String, group)
            XCTAssertNotNil(trigger.at("metadata.lagThreshold"))
            XCTAssertEqual(trigger.at("authenticationRef.name") as? String, "infrasight-kafka")
            XCTAssertLessThanOrEqual((hpa.at("spec.maxReplicas") as? NSNumber)?.intValue ?? 99, 6,
                                     "more replicas than partitions sit idle")
            XCTAssertLessThanOrEqual((scaled.at("spec.maxReplicaCount") as? NSNumber)?.intValue ?? 99, 6,
                                     "\(name): more replicas than partitions sit idle")
        }
        _ = try object("keda-scaledobject.yaml", kind: "TriggerAuthentication", name: "infrasight-kafka")
    }

    func testNetworkPoliciesDenyByDefaultAndOpenOnlyWhatIsNeeded() throws {
        let policies = try docs("networkpolicies.yaml")
        let deny = try XCTUnwrap(policies.first { ($0.at("spec.podSelector") as? [String: Any])?.isEmpty == true })
        XCTAssertEqual(Set(stringList(deny.at("spec.policyTypes"))), ["Ingress", "Egress"])
        XCTAssertNil(deny.at("spec.ingress")); XCTAssertNil(deny.at("spec.egress"))
        let allowedEgress: Set<Int> = [53, 9092, 9093, 8123, 8443]
        let metricsPorts: Set<Int> = [9464, 9465, 9466, 9467]
        var clickhousePolicies = 0
        let denyName = deny.at("metadata.name") as? String
        for p in policies where (p.at("metadata.name") as? String) != denyName {
            for case let rule as [String: Any] in (p.at("spec.egress") as? [Any]) ?? [] {
                let ports = Set(((rule["ports"] as? [Any]) ?? []).compactMap { (($0 as? [String: Any])?["port"] as? NSNumber)?.intValue })
                XCTAssertFalse(ports.isEmpty, "egress rule without port restriction")
                XCTAssertTrue(ports.isSubset(of: allowedEgress), "egress to \(ports)")
                XCTAssertNotNil(rule["to"], "egress rule without destination restriction")
                if ports.contains(8123) {
                    clickhousePolicies += 1
                    let selector = (p.at("spec.podSelector.matchExpressions") as? [Any])?.first as? [String: Any]
                    XCTAssertEqual(selector?.string("key"), "app.kubernetes.io/component")
                    XCTAssertEqual(selector?.string("operator"), "In")
                    XCTAssertEqual(Set(stringList(selector?["values"])), ["sink", "setup"],
                                   "only the sink and the setup Job may reach ClickHouse")
                }
            }
            for case let rule as [String: Any] in (p.at("spec.ingress") as? [Any]) ?? [] {
                let ports = Set(((rule["ports"] as? [Any]) ?? []).compactMap { (($0 as? [String: Any])?["port"] as? NSNumber)?.intValue })
                XCTAssertTrue(!ports.isEmpty && ports.isSubset(of: metricsPorts), "ingress beyond metrics: \(ports)")
                XCTAssertNotNil(rule["from"], "ingress from anywhere")
            }
        }
        XCTAssertEqual(clickhousePolicies, 1)
        // Every Kafka client (the agent, enrich, detect, sink and the setup Job) may reach the brokers.
        let kafka = try XCTUnwrap(policies.first { ($0.at("metadata.name") as? String) == "infrasight-allow-kafka" })
        let kafkaSelector = (kafka.at("spec.podSelector.matchExpressions") as? [Any])?.first as? [String: Any]
        XCTAssertEqual(Set(stringList(kafkaSelector?["values"])), ["agent", "enrich", "detect", "sink", "setup"])
        // Prometheus may scrape every stage's metrics port.
        let scrape = try XCTUnwrap(policies.first { ($0.at("metadata.name") as? String) == "infrasight-allow-metrics-scrape" })
        let scrapePorts = ((scrape.at("spec.ingress") as? [Any]) ?? []).flatMap { (($0 as? [String: Any])?["ports"] as? [Any]) ?? [] }
            .compactMap { (($0 as? [String: Any])?["port"] as? NSNumber)?.intValue }
        XCTAssertEqual(Set(scrapePorts), metricsPorts)
    }

    func testServiceMonitorSelectsTheMetricsServices() throws {
        let sm = try object("servicemonitor.yaml", kind: "ServiceMonitor", name: "infrasight")
        XCTAssertEqual(sm.string("apiVersion"), "monitoring.coreos.com/v1")
        let selector = try XCTUnwrap(sm.at("spec.selector.matchLabels") as? [String: Any])
        let endpoint = try XCTUnwrap((sm.at("spec.endpoints") as? [Any])?.first as? [String: Any])
        XCTAssertEqual(endpoint.string("port"), "metrics")
        XCTAssertEqual(endpoint.string("path"), "/metrics")
        var ports: Set<Int> = []
        for svc in try docs("services.yaml") {
            let labels = svc.at("metadata.labels") as? [String: Any] ?? [:]
            for (k, v) in selector { XCTAssertEqual(labels[k] as? String, v as? String, "Service labels vs ServiceMonitor") }
            for case let port as [String: Any] in (svc.at("spec.ports") as? [Any]) ?? [] {
                XCTAssertEqual(port.string("name"), "metrics")
                ports.insert((port["port"] as? NSNumber)?.intValue ?? 0)
            }
        }
        XCTAssertEqual(ports, [9464, 9465, 9466, 9467])
    }

    /// detect: its rules file comes from the ConfigMap infrasight-detect-rules, which kustomize generates from
    /// rules/site-rules.yaml (the file compose mounts) with a content hash in its name, so an edit rolls the
    /// Deployment; the rendered Deployment mounts exactly that generated ConfigMap as a folder beside, not
    /// inside, the stage-config mount, and passes the file with --rules; the binary accepts the rendered
    /// content (`detect --check`); detect reaches nothing but Kafka (no ClickHouse variable or Secret).
    func testDetectRunsTheGeneratedRulesConfigMapAndNeedsOnlyKafka() throws {
        let d = try object("detect-deployment.yaml", kind: "Deployment", name: "infrasight-detect")
        let spec = try podSpec(d)
        let c = try container(spec)
        let args = stringList(c["args"])
        XCTAssertEqual(args.first, "detect")
        let rulesPath = try XCTUnwrap(args.firstIndex(of: "--rules").map { args[$0 + 1] }, "no --rules in \(args)")
        let mounts = (c.array("volumeMounts") ?? []).compactMap { $0 as? [String: Any] }
        let mount = try XCTUnwrap(mounts.first { rulesPath.hasPrefix(($0.string("mountPath") ?? "?") + "/") }, "\(rulesPath) is in no mount")
        XCTAssertEqual(mount["readOnly"] as? Bool, true)
        XCTAssertNil(mount["subPath"])
        for other in mounts where other.string("name") != mount.string("name") {
            let a = (mount.string("mountPath") ?? "") + "/", b = (other.string("mountPath") ?? "") + "/"
            XCTAssertFalse(a.hasPrefix(b) || b.hasPrefix(a), "nested mounts \(a) and \(b): no mount point can be made in a ConfigMap volume")
        }
        let key = String(rulesPath.dropFirst((mount.string("mountPath") ?? "").count + 1))
        let volumeName = try XCTUnwrap(mount.string("name"))
        XCTAssertEqual((spec.array("volumes") ?? []).compactMap { $0 as? [String: Any] }
            .first { $0.string("name") == volumeName }?.at("configMap.name") as? String, "infrasight-detect-rules")

        // The generator: rules/site-rules.yaml under the key --rules names.
        let k = try XCTUnwrap(try docs("kustomization.yaml").first)
        let generator = try XCTUnwrap((k.array("configMapGenerator") ?? []).compactMap { $0 as? [String: Any] }
            .first { $0.string("name") == "infrasight-detect-rules" }, "no configMapGenerator infrasight-detect-rules")
        XCTAssertEqual(stringList(generator["files"]), ["\(key)=rules/site-rules.yaml"])
        XCTAssertNil(generator.at("options.disableNameSuffixHash"), "without the hash an edit would not roll the pods")

        // Rendered: the hashed ConfigMap holds the file byte for byte, and the Deployment mounts it.
        let kubectl = try Deploy.requireTool(ProjectPaths.deps.appendingPathComponent("kubectl/usr/bin/kubectl").path,
                                             "kubectl (Debian kubernetes-client, unpacked in .deps/kubectl)")
        let render = try Deploy.run(kubectl, ["kustomize", Self.dir])
        XCTAssertEqual(render.status, 0, render.combined)
        let objects = try Deploy.yamlDocuments(render.stdout).compactMap { $0 as? [String: Any] }
        let generated = try XCTUnwrap(objects.first { $0.string("kind") == "ConfigMap"
            && ($0.at("metadata.name") as? String)?.hasPrefix("infrasight-detect-rules-") == true }, "no generated rules ConfigMap")
        let shipped = try String(contentsOfFile: Self.dir + "/rules/site-rules.yaml", encoding: .utf8)
        let content = try XCTUnwrap(generated.dict("data")?.string(key), "generated ConfigMap has no key \(key)")
        XCTAssertEqual(content, shipped)
        let rendered = try XCTUnwrap(objects.first { $0.string("kind") == "Deployment" && ($0.at("metadata.name") as? String) == "infrasight-detect" })
        let renderedVolume = (rendered.at("spec.template.spec.volumes") as? [Any] ?? []).compactMap { $0 as? [String: Any] }
            .first { $0.string("name") == volumeName }
        XCTAssertEqual(renderedVolume?.at("configMap.name") as? String, generated.at("metadata.name") as? String,
                       "the Deployment mounts the generated (hashed) ConfigMap")

        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("infrasight-k8s-rules-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let file = tmp.appendingPathComponent(key).path
        try content.write(toFile: file, atomically: true, encoding: .utf8)
        let check = try Deploy.run(ProjectPaths.infrasightBinary, ["detect", "--check", "--rules", file])
        XCTAssertEqual(check.status, 0, "detect refused the ConfigMap's rules:\n\(check.combined)")
        XCTAssertTrue(check.stdout.range(of: #"^\d+ rules: "#, options: .regularExpression) != nil, check.combined)

        let env = (c.array("env") ?? []).compactMap { $0 as? [String: Any] }.compactMap { $0.string("name") }
        XCTAssertEqual(env.filter { $0.contains("CLICKHOUSE") }, [], "detect does not talk to ClickHouse")
        let secrets = (spec.array("volumes") ?? []).compactMap { ($0 as? [String: Any])?.at("secret.secretName") as? String }
        XCTAssertEqual(secrets, ["infrasight-kafka-sasl"], "detect mounts only the Kafka SASL Secret")
        XCTAssertEqual(d.at("spec.strategy.rollingUpdate.maxUnavailable") as? NSNumber, 0,
                       "a rules file the new pods refuse must leave the old ones running")
        XCTAssertEqual((d.at("spec.replicas") as? NSNumber)?.intValue,
                       (try object("keda-scaledobject.yaml", kind: "ScaledObject", name: "infrasight-detect")
                        .at("spec.minReplicaCount") as? NSNumber)?.intValue, "replicas vs the scaler's minimum")
    }

    // MARK: helpers

    private func podSpec(_ workload: [String: Any]) throws -> [String: Any] {
        try XCTUnwrap(workload.at("spec.template.spec") as? [String: Any])
    }

    private func container(_ spec: [String: Any]) throws -> [String: Any] {
        let containers = (spec.array("containers") ?? []).compactMap { $0 as? [String: Any] }
        XCTAssertEqual(containers.count, 1)
        return try XCTUnwrap(containers.first)
    }

    private func assertResources(_ c: [String: Any], _ name: String) throws {
        for key in ["requests.cpu", "requests.memory", "limits.cpu", "limits.memory"] {
            XCTAssertNotNil(c.at("resources.\(key)"), "\(name): resources.\(key)")
        }
    }

    private func assertHealthProbes(_ c: [String: Any], port: Int, _ name: String) throws {
        let ports = (c.array("ports") ?? []).compactMap { $0 as? [String: Any] }
        for probe in ["livenessProbe", "readinessProbe"] {
            XCTAssertEqual(c.at("\(probe).httpGet.path") as? String, "/healthz", "\(name) \(probe)")
            let ref = c.at("\(probe).httpGet.port")
            let resolved = (ref as? NSNumber)?.intValue
                ?? ports.first { $0.string("name") == (ref as? String) }.flatMap { ($0["containerPort"] as? NSNumber)?.intValue }
            XCTAssertEqual(resolved, port, "\(name) \(probe) port")
        }
    }

    private func assertScrapeAnnotations(_ workload: [String: Any], port: String) throws {
        let a = try XCTUnwrap(workload.at("spec.template.metadata.annotations") as? [String: Any])
        XCTAssertEqual(a["prometheus.io/scrape"] as? String, "true")
        XCTAssertEqual(a["prometheus.io/port"] as? String, port)
        XCTAssertEqual(a["prometheus.io/path"] as? String, "/metrics")
    }
}
