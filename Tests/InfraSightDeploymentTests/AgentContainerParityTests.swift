import Foundation
import InfraSightTestSupport
import XCTest

/// The agent's container settings in compose and in the Kubernetes DaemonSet agree field by field
/// (user, capabilities, privileges, PID mode, cgroup namespace, read-only root, host mounts, seccomp);
/// `ContainerisedAgentIntegrationTests` holds deploy/podman/run-agent.sh's real container to the same.
final class AgentContainerParityTests: XCTestCase {
    /// What every place must say.
    static let expected = (user: "0:0", capabilities: Set(["BPF", "PERFMON", "DAC_READ_SEARCH"]), seccomp: "agent-seccomp.json")

    func testComposeAndDaemonSetAgreeFieldByField() throws {
        let compose = try AgentContainerSettings.composeAgent(), daemonSet = try AgentContainerSettings.daemonSetAgent()
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
