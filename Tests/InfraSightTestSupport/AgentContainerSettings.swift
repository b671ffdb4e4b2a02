import Foundation

/// The security-relevant settings of the agent's container, read from each place that defines them —
/// the compose service, the Kubernetes DaemonSet and a container that deploy/podman/run-agent.sh really
/// started (`podman inspect`) — so that tests can require the three to agree field by field.
public struct AgentContainerSettings: Equatable, CustomStringConvertible {
    /// A read-only host mount: host path → path in the container.
    public struct Mount: Hashable, Comparable, CustomStringConvertible {
        public let host: String
        public let container: String
        public let readOnly: Bool
        public init(host: String, container: String, readOnly: Bool) {
            self.host = host; self.container = container; self.readOnly = readOnly
        }
        public static func < (a: Mount, b: Mount) -> Bool { (a.host, a.container) < (b.host, b.container) }
        public var description: String { "\(host):\(container)\(readOnly ? ":ro" : ":rw")" }
    }

    /// The container runtimes' sockets (or their folders) the agent may be given, at their own paths.
    /// Each place mounts the ones its hosts have: compose docker's, Kubernetes containerd's and cri-o's,
    /// the podman script whichever exist on the host.
    public static let runtimeSocketPaths: Set<String> = ["/var/run/docker.sock", "/run/podman/podman.sock",
                                                         "/run/containerd", "/var/run/crio"]

    public var user: String
    /// Added capabilities without the `CAP_` prefix, after dropping all.
    public var capabilities: Set<String>
    public var dropsAllCapabilities: Bool
    public var privileged: Bool
    public var noNewPrivileges: Bool
    public var hostPID: Bool
    /// "private" or "host".
    public var cgroupNamespace: String
    public var readOnlyRoot: Bool
    /// Host mounts other than runtime sockets.
    public var mounts: Set<Mount>
    /// Runtime-socket mounts (a subset of `runtimeSocketPaths`, each at its own path).
    public var runtimeSockets: Set<Mount>
    /// The seccomp profile's file name in the repository (`agent-seccomp.json`), or "unconfined".
    public var seccompProfile: String

    public var description: String {
        """
        user \(user), caps \(capabilities.sorted()) (drop all: \(dropsAllCapabilities)), privileged \(privileged), \
        no-new-privileges \(noNewPrivileges), host PID \(hostPID), cgroupns \(cgroupNamespace), read-only root \
        \(readOnlyRoot), seccomp \(seccompProfile), mounts \(mounts.sorted()), runtime sockets \(runtimeSockets.sorted())
        """
    }

    /// Splits host mounts into runtime sockets and the rest.
    static func partition(_ all: [Mount]) -> (mounts: Set<Mount>, sockets: Set<Mount>) {
        var mounts: Set<Mount> = [], sockets: Set<Mount> = []
        for m in all {
            if runtimeSocketPaths.contains(m.host) { sockets.insert(m) } else { mounts.insert(m) }
        }
        return (mounts, sockets)
    }

    /// The compose service as written (the raw file, parsed): `cgroup` is a Compose v2 key that
    /// docker-compose 1.29 does not know, so the normalized output would lose it.
    public init(composeService s: [String: Any]) throws {
        user = s["user"] as? String ?? "image default"
        capabilities = Set(Self.strings(s["cap_add"]).map(Self.capabilityName))
        dropsAllCapabilities = Self.strings(s["cap_drop"]).map { $0.uppercased() } == ["ALL"]
        privileged = s["privileged"] as? Bool ?? false
        let securityOptions = Self.strings(s["security_opt"])
        noNewPrivileges = securityOptions.contains { $0 == "no-new-privileges:true" || $0 == "no-new-privileges" }
        hostPID = (s["pid"] as? String) == "host"
        cgroupNamespace = s["cgroup"] as? String ?? "engine default"
        readOnlyRoot = s["read_only"] as? Bool ?? false
        var all: [Mount] = []
        for v in Self.strings(s["volumes"]) {
            let parts = v.split(separator: ":").map(String.init)
            guard parts.count >= 2, parts[0].hasPrefix("/") else { continue }
            all.append(Mount(host: parts[0], container: parts[1], readOnly: parts.count > 2 && parts[2].split(separator: ",").contains("ro")))
        }
        (mounts, runtimeSockets) = Self.partition(all)
        let seccomp = securityOptions.first { $0.hasPrefix("seccomp:") || $0.hasPrefix("seccomp=") }.map { String($0.dropFirst("seccomp:".count)) }
        seccompProfile = seccomp.map { $0 == "unconfined" ? "unconfined" : ($0 as NSString).lastPathComponent } ?? "runtime default"
    }

    /// The DaemonSet's pod spec and its agent container. Kubernetes has no cgroup-namespace field: every
    /// runtime gives a container its own on cgroup v2 (and the kubelet requires v2 for new features), so
    /// it counts as "private". The Localhost seccomp profile is traced back to the file the init container
    /// installs, through the ConfigMap that kustomize generates from `generatedFrom` (file name → key).
    public init(podSpec spec: [String: Any], container c: [String: Any], seccompConfigMapFiles generatedFrom: [String: String]) throws {
        let sc = c["securityContext"] as? [String: Any] ?? [:]
        let uid = (sc["runAsUser"] as? NSNumber)?.intValue, gid = (sc["runAsGroup"] as? NSNumber)?.intValue
        user = uid.map { "\($0):\(gid ?? $0)" } ?? "image default"
        let caps = sc["capabilities"] as? [String: Any] ?? [:]
        capabilities = Set(Self.strings(caps["add"]).map(Self.capabilityName))
        dropsAllCapabilities = Self.strings(caps["drop"]).map { $0.uppercased() } == ["ALL"]
        privileged = sc["privileged"] as? Bool ?? false
        noNewPrivileges = (sc["allowPrivilegeEscalation"] as? Bool) == false
        hostPID = spec["hostPID"] as? Bool ?? false
        cgroupNamespace = "private"
        readOnlyRoot = sc["readOnlyRootFilesystem"] as? Bool ?? false
        var volumes: [String: [String: Any]] = [:]
        for case let v as [String: Any] in spec["volumes"] as? [Any] ?? [] { volumes[v["name"] as? String ?? ""] = v }
        var all: [Mount] = []
        for case let m as [String: Any] in c["volumeMounts"] as? [Any] ?? [] {
            guard let v = volumes[m["name"] as? String ?? ""], let host = (v["hostPath"] as? [String: Any])?["path"] as? String else { continue }
            all.append(Mount(host: host, container: m["mountPath"] as? String ?? "", readOnly: m["readOnly"] as? Bool ?? false))
        }
        (mounts, runtimeSockets) = Self.partition(all)
        let profile = sc["seccompProfile"] as? [String: Any] ?? [:]
        switch profile["type"] as? String {
        case "Unconfined": seccompProfile = "unconfined"
        case "Localhost":
            // The init container writes `<kubelet seccomp root>/<localhostProfile>` from a ConfigMap key.
            let localhost = profile["localhostProfile"] as? String ?? ""
            var source = "unknown Localhost profile \(localhost)"
            for case let initContainer as [String: Any] in spec["initContainers"] as? [Any] ?? [] {
                let command = Self.strings(initContainer["command"])
                guard let target = command.last, target.hasSuffix("/" + localhost), command.count >= 2 else { continue }
                let key = (command[command.count - 2] as NSString).lastPathComponent
                source = generatedFrom[key] ?? "ConfigMap key \(key)"
            }
            seccompProfile = source
        default: seccompProfile = "runtime default"
        }
    }

    /// A container started by deploy/podman/run-agent.sh: `podman inspect` of it.
    public init(podmanInspect d: [String: Any]) throws {
        guard let h = d["HostConfig"] as? [String: Any], let config = d["Config"] as? [String: Any] else {
            throw TestSupportError("podman inspect output has no HostConfig/Config")
        }
        user = config["User"] as? String ?? "image default"
        capabilities = Set(Self.strings(h["CapAdd"]).map(Self.capabilityName))
        // podman lists every default capability it dropped rather than "ALL": compare with what the process has.
        let effective = Set(Self.strings(d["EffectiveCaps"]).map(Self.capabilityName))
        dropsAllCapabilities = effective == capabilities
        privileged = h["Privileged"] as? Bool ?? false
        let options = Self.strings(h["SecurityOpt"])
        noNewPrivileges = options.contains("no-new-privileges")
        hostPID = (h["PidMode"] as? String) == "host"
        cgroupNamespace = h["CgroupMode"] as? String ?? "unknown"
        readOnlyRoot = h["ReadonlyRootfs"] as? Bool ?? false
        var all: [Mount] = []
        for case let m as [String: Any] in d["Mounts"] as? [Any] ?? [] where (m["Type"] as? String) == "bind" {
            all.append(Mount(host: m["Source"] as? String ?? "", container: m["Destination"] as? String ?? "",
                             readOnly: !(m["RW"] as? Bool ?? true)))
        }
        (mounts, runtimeSockets) = Self.partition(all)
        let seccomp = options.first { $0.hasPrefix("seccomp=") }.map { String($0.dropFirst("seccomp=".count)) }
        seccompProfile = seccomp.map { $0 == "unconfined" ? "unconfined" : ($0 as NSString).lastPathComponent } ?? "runtime default"
    }

    /// The compose file's agent service as written (`<<` merges resolved by PyYAML).
    public static func composeAgent(file: String = ProjectPaths.root.appendingPathComponent("compose/docker-compose.yml").path) throws -> AgentContainerSettings {
        guard let doc = try YAMLDocuments.mappings(file: file).first,
              let agent = (doc["services"] as? [String: Any])?["agent"] as? [String: Any] else {
            throw TestSupportError("\(file) has no agent service")
        }
        return try AgentContainerSettings(composeService: agent)
    }

    /// The DaemonSet's agent container, its seccomp ConfigMap traced to the file kustomize generates it from.
    public static func daemonSetAgent(directory: String = ProjectPaths.root.appendingPathComponent("deploy/kubernetes").path) throws -> AgentContainerSettings {
        guard let ds = try YAMLDocuments.mappings(file: directory + "/agent-daemonset.yaml").first(where: { $0["kind"] as? String == "DaemonSet" }),
              let spec = ((ds["spec"] as? [String: Any])?["template"] as? [String: Any])?["spec"] as? [String: Any],
              let agent = (spec["containers"] as? [Any])?.compactMap({ $0 as? [String: Any] }).first(where: { $0["name"] as? String == "agent" }) else {
            throw TestSupportError("\(directory)/agent-daemonset.yaml has no DaemonSet with an agent container")
        }
        var files: [String: String] = [:]   // ConfigMap key → source file
        let kustomization = try YAMLDocuments.mappings(file: directory + "/kustomization.yaml").first ?? [:]
        for case let generator as [String: Any] in kustomization["configMapGenerator"] as? [Any] ?? []
        where generator["name"] as? String == "infrasight-agent-seccomp" {
            for entry in strings(generator["files"]) {
                let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
                files[parts[0]] = parts.count == 2 ? parts[1] : parts[0]
            }
        }
        return try AgentContainerSettings(podSpec: spec, container: agent, seccompConfigMapFiles: files)
    }

    /// The settings that must be equal everywhere (runtime sockets differ by platform and are checked
    /// against `runtimeSocketPaths` instead).
    public func differences(from other: AgentContainerSettings) -> [String] {
        var out: [String] = []
        func check<T: Equatable>(_ name: String, _ a: T, _ b: T) { if a != b { out.append("\(name): \(a) vs \(b)") } }
        check("user", user, other.user)
        check("capabilities", capabilities.sorted(), other.capabilities.sorted())
        check("drops all other capabilities", dropsAllCapabilities, other.dropsAllCapabilities)
        check("privileged", privileged, other.privileged)
        check("no new privileges", noNewPrivileges, other.noNewPrivileges)
        check("host PID", hostPID, other.hostPID)
        check("cgroup namespace", cgroupNamespace, other.cgroupNamespace)
        check("read-only root", readOnlyRoot, other.readOnlyRoot)
        check("mounts", mounts.sorted(), other.mounts.sorted())
        check("seccomp profile", seccompProfile, other.seccompProfile)
        return out
    }

    static func strings(_ value: Any?) -> [String] { (value as? [Any])?.compactMap { $0 as? String } ?? [] }
    static func capabilityName(_ c: String) -> String {
        let u = c.uppercased()
        return u.hasPrefix("CAP_") ? String(u.dropFirst(4)) : u
    }
}
