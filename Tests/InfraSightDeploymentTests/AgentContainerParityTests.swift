import Foundation
import InfraSightTestSupport
import XCTest

/// The agent's container settings in compose and in the Kubernetes DaemonSet agree field by field
/// (user, capabilities, privileges, PID mode, cgroup namespace, read-only root, host mounts, seccomp);
/// `ContainerisedAgentIntegrationTests` holds deploy/podman/run-agent.sh's real container to the same.
final class AgentContainerParityTests: XCTestCase {
    /// The compose service as written (`<<` merges resolved by PyYAML).
    static func composeAgent() throws -> AgentContainerSettings {
        let doc = try XCTUnwrap(try Deploy.yamlDocuments(file: Deploy.composeFile).first)
        let agent = try XCTUnwrap(doc.dict("services")?.dict("agent"), "compose has no agent service")
        return try AgentContainerSettings(composeService: agent)
    }

    /// The DaemonSet, with its seccomp ConfigMap traced to the file kustomize generates it from.
    static func daemonSetAgent() throws -> AgentContainerSettings {
        let dir = Deploy.path("deploy/kubernetes")
        let ds = try XCTUnwrap(try Deploy.yamlDocuments(file: dir + "/agent-daemonset.yaml").first { $0.string("kind") == "DaemonSet" })
        let spec = try XCTUnwrap(ds.at("spec.template.spec") as? [String: Any])
        let agent = try XCTUnwrap((spec.array("containers") ?? []).compactMap { $0 as? [String: Any] }.first { $0.string("name") == "agent" })
        let kustomization = try XCTUnwrap(try Deploy.yamlDocuments(file: dir + "/kustomization.yaml").first)
        var files: [String: String] = [:]   // ConfigMap key → source file
        for case let generator as [String: Any] in kustomization.array("configMapGenerator") ?? []
        where generator.string("name") == "infrasight-agent-seccomp" {
            for entry in stringList(generator["files"]) {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                files[parts[0]] = parts.count == 2 ? parts[1] : parts[0]
            }
        }
        return try AgentContainerSettings(podSpec: spec, container: agent, seccompConfigMapFiles: files)
    }

    /// What every place must say.
    static let expected = (user: "0:0", capabilities: Set(["BPF", "PERFMON", "DAC_READ_SEARCH"]), seccomp: "agent-seccomp.json")

    func testComposeAndDaemonSetAgreeFieldByField() throws {
        let compose = try Self.composeAgent(), daemonSet = try Self.daemonSetAgent()
        XCTAssertEqual(compose.differences(from: daemonSet), [], "compose: \(compose)\nDaemonSet: \(daemonSet)")
        for (name, s) in [("compose", compose), ("DaemonSet", daemonSet)] {
            XCTAssertEqual(s.user, Self.expected.user, name)
            XCTAssertEqual(s.capabilities, Self.expected.capabilities, name)
            XCTAssertTrue(s.dropsAllCapabilities, name)
            XCTAssertFalse(s.privileged, name)
            XCTAssertTrue(s.noNewPrivileges, name)
            XCTAssertTrue(s.hostPID, name)
            XCTAssertEqual(s.cgroupNamespace, "private", name)
            XCTAssertTrue(s.readOnlyRoot, name)
            XCTAssertEqual(s.seccompProfile, Self.expected.seccomp, name)
            XCTAssertTrue(s.mounts.allSatisfy(\.readOnly), "\(name): a writable host mount in \(s.mounts)")
            XCTAssertFalse(s.runtimeSockets.isEmpty, "\(name) gives the agent no runtime socket")
            for m in s.runtimeSockets {
                XCTAssertEqual(m.host, m.container, "\(name): runtime socket \(m) not at its own path")
                XCTAssertTrue(m.readOnly, "\(name): runtime socket \(m) writable")
            }
        }
    }

    /// The profile is an allowlist that admits what the agent needs and refuses what it never does.
    func testSeccompProfileIsAnAllowlistWithTheAgentsCalls() throws {
        let profile = try Deploy.jsonObject(file: Deploy.path("deploy/kubernetes/agent-seccomp.json"))
        XCTAssertEqual(profile.string("defaultAction"), "SCMP_ACT_ERRNO")
        var allowed: Set<String> = []
        for case let rule as [String: Any] in profile.array("syscalls") ?? [] {
            XCTAssertEqual(rule.string("action"), "SCMP_ACT_ALLOW")
            allowed.formUnion(stringList(rule["names"]))
        }
        for needed in ["bpf", "perf_event_open", "openat", "connect", "epoll_wait", "futex", "clone3", "execve"] {
            XCTAssertTrue(allowed.contains(needed), "the agent needs \(needed)")
        }
        for refused in ["mount", "umount2", "ptrace", "setns", "unshare", "init_module", "finit_module", "kexec_load",
                        "setuid", "chroot", "pivot_root", "keyctl", "process_vm_writev"] {
            XCTAssertFalse(allowed.contains(refused), "the agent never calls \(refused)")
        }
    }
}
