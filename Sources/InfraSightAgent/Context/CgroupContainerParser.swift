/// Recognises the container a process belongs to from its cgroup path (the part after the last
/// `:` of a `/proc/<pid>/cgroup` line, or a path relative to the cgroup v2 root).
///
/// Forms understood (`<id>` = 64 hex digits; `.scope` optional where the runtime's cgroupfs
/// driver leaves it off; v1 and v2 paths look the same):
///
/// | Runtime / driver                         | Container cgroup                                               |
/// |------------------------------------------|----------------------------------------------------------------|
/// | docker, cgroupfs                         | `/docker/<id>`                                                 |
/// | docker, systemd (also rootless)          | `/system.slice/docker-<id>.scope`                              |
/// | containerd CRI, cgroupfs                 | `/kubepods/<qos>/pod<uid>/<id>`, `/kubepods/pod<uid>/<id>`     |
/// | containerd CRI, systemd                  | `/kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/cri-containerd-<id>.scope` |
/// | containerd CRI, systemd cgroupsPath kept verbatim (kind, k3s) | `…/containerd.service/kubepods-<qos>-pod<uid_>.slice:cri-containerd:<id>` |
/// | containerd, nerdctl (systemd)            | `/system.slice/nerdctl-<id>.scope`                             |
/// | containerd, plain (`/<namespace>/<id>`)  | `/default/<id>`, `/k8s.io/<id>`, any `<id>` below `containerd…` |
/// | CRI-O                                    | `…/crio-<id>.scope`, `…/crio-<id>`                             |
/// | podman (root and rootless)               | `…/libpod-<id>.scope`, `/libpod_parent/libpod-<id>`            |
/// | ECS (docker)                             | `/ecs/<task>/<id>`                                             |
///
/// Sub-cgroups below the container's own cgroup (`…/<container>/init.scope`, podman's
/// `…/libpod-<id>.scope/container`, systemd running inside the container) still resolve to
/// that container. With nested containers (docker-in-docker) the innermost one wins.
///
/// Decisions:
/// - `crio-conmon-<id>.scope` and `libpod-conmon-<id>.scope` hold conmon, the runtime's
///   monitor process, which runs with the host's namespaces on behalf of the runtime. They are
///   reported as *not* in a container (nil), like the runtime daemons themselves.
/// - A bare `<id>` (or `<prefix>-<id>` with an unknown prefix) is only accepted when an
///   ancestor names the runtime (`docker`, `kubepods`/`kubelet` → containerd, `containerd…`,
///   containerd namespaces `default`/`k8s.io`/`moby`, `crio`, `libpod`/`podman`, `ecs` → docker);
///   under `kubepods` cgroupfs the runtime is assumed to be containerd (dockershim is gone since
///   Kubernetes 1.24; CRI-O names its cgroups `crio-<id>`). Otherwise the result is nil.
/// - The pod UID is taken from the nearest `pod<uid>` ancestor (`pod<uid>` directory or
///   `…-pod<uid_with_underscores>.slice`), lower-cased with underscores turned into dashes;
///   it must look like a UUID or a 32-hex-digit static-pod hash.
///
/// Input is bounded (`maxPathLength` bytes, `maxComponents` components) and processed bytewise;
/// any string, however malformed, yields either an identity or nil.
public enum CgroupContainerParser {
    /// Longer inputs are rejected (PATH_MAX).
    public static let maxPathLength = 4096
    /// Inputs with more path components are rejected.
    public static let maxComponents = 256

    /// The container that the cgroup `cgroupPath` belongs to, or nil for host cgroups and
    /// unrecognised paths. A whole `/proc/<pid>/cgroup` line (`0::/…`, `4:memory:/…`) is accepted too.
    public static func parse(_ cgroupPath: String) -> ContainerIdentity? {
        let utf8 = cgroupPath.utf8
        guard !utf8.isEmpty, utf8.count <= maxPathLength else { return nil }
        var bytes = Array(utf8)
        stripProcCgroupLinePrefix(&bytes)

        let components = bytes.split(separator: slash, maxSplits: maxComponents + 1, omittingEmptySubsequences: true)
        guard components.count <= maxComponents else { return nil }

        var ancestorRuntime: String?
        var ancestorPodUID: String?
        var found: ContainerIdentity?
        for slice in components {
            let component = Array(slice)
            switch classify(component, hint: ancestorRuntime) {
            case .container(let id, let runtime, let podFromComponent):
                found = ContainerIdentity(id: id, runtime: runtime, podUID: podFromComponent ?? ancestorPodUID)
            case .monitor:
                found = nil
            case .other:
                break
            }
            if let runtime = runtimeHint(forAncestor: component) { ancestorRuntime = runtime }
            if let uid = podUID(in: component) { ancestorPodUID = uid }
        }
        return found
    }

    // MARK: - Components

    private enum Classification {
        case container(id: String, runtime: String, podUID: String?)
        case monitor
        case other
    }

    private static let slash = UInt8(ascii: "/")
    private static let scopeSuffix = Array(".scope".utf8)
    private static let sliceSuffix = Array(".slice".utf8)
    private static let idLength = 64

    /// `<prefix>-` → runtime (nil runtime = a monitor process, not a container).
    private static let prefixes: [(prefix: [UInt8], runtime: String?)] = [
        (Array("cri-containerd-".utf8), ContainerIdentity.Runtime.containerd),
        (Array("docker-".utf8), ContainerIdentity.Runtime.docker),
        (Array("crio-conmon-".utf8), nil),
        (Array("crio-".utf8), ContainerIdentity.Runtime.crio),
        (Array("libpod-conmon-".utf8), nil),
        (Array("libpod-".utf8), ContainerIdentity.Runtime.podman),
        (Array("nerdctl-".utf8), ContainerIdentity.Runtime.containerd),
    ]

    private static func classify(_ component: [UInt8], hint: String?) -> Classification {
        // systemd cgroupsPath left verbatim: `<slice>:<prefix>:<id>`.
        if component.contains(UInt8(ascii: ":")) {
            let parts = component.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard parts.count == 3, let id = containerID(parts[2]) else { return .other }
            let prefix = Array(parts[1])
            let runtime: String?
            switch String(decoding: prefix, as: UTF8.self) {
            case "cri-containerd", "containerd", "nerdctl": runtime = ContainerIdentity.Runtime.containerd
            case "docker": runtime = ContainerIdentity.Runtime.docker
            case "crio": runtime = ContainerIdentity.Runtime.crio
            case "libpod": runtime = ContainerIdentity.Runtime.podman
            case "crio-conmon", "libpod-conmon": return .monitor
            default: runtime = hint
            }
            guard let runtime else { return .other }
            return .container(id: id, runtime: runtime, podUID: podUID(in: Array(parts[0])))
        }

        let name = component.hasSuffix(scopeSuffix) ? Array(component.dropLast(scopeSuffix.count)) : component
        if let id = containerID(name[...]) {
            guard let hint else { return .other }
            return .container(id: id, runtime: hint, podUID: nil)
        }
        guard name.count > idLength + 1, name[name.count - idLength - 1] == UInt8(ascii: "-"),
              let id = containerID(name[(name.count - idLength)...]) else { return .other }
        let head = name[..<(name.count - idLength)]
        for (prefix, runtime) in prefixes where head.elementsEqual(prefix) {
            guard let runtime else { return .monitor }
            return .container(id: id, runtime: runtime, podUID: nil)
        }
        // `<unknown prefix>-<id>`, e.g. `<namespace>-<id>` below containerd.service.
        guard let hint else { return .other }
        return .container(id: id, runtime: hint, podUID: nil)
    }

    /// Lowercased `bytes` if they are exactly 64 hex digits.
    private static func containerID(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.count == idLength else { return nil }
        var lowered = [UInt8]()
        lowered.reserveCapacity(idLength)
        for byte in bytes {
            guard let hex = lowercaseHex(byte) else { return nil }
            lowered.append(hex)
        }
        return String(decoding: lowered, as: UTF8.self)
    }

    private static func lowercaseHex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"): return byte
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte + 32
        default: return nil
        }
    }

    // MARK: - Ancestor hints

    /// The runtime a bare id below `component` most likely belongs to.
    private static func runtimeHint(forAncestor component: [UInt8]) -> String? {
        let name = String(decoding: component, as: UTF8.self).lowercased()
        if name.contains("docker") || name == "ecs" { return ContainerIdentity.Runtime.docker }
        if name.contains("crio") { return ContainerIdentity.Runtime.crio }
        if name.contains("libpod") || name.contains("podman") { return ContainerIdentity.Runtime.podman }
        if name.contains("containerd") || name.contains("kubepods") || name.contains("kubelet")
            || name == "default" || name == "k8s.io" || name == "moby" || name.contains("nerdctl") {
            return ContainerIdentity.Runtime.containerd
        }
        return nil
    }

    // MARK: - Pod UID

    /// The pod UID in `pod<uid>` or `<…>-pod<uid_with_underscores>.slice`, normalised.
    static func podUID(in component: [UInt8]) -> String? {
        let name = component.hasSuffix(sliceSuffix) ? Array(component.dropLast(sliceSuffix.count)) : component
        let pod = Array("pod".utf8)
        // The candidate starts right after "pod", which is at the start or after a '-'.
        for start in [name.count - 36 - 3, name.count - 32 - 3] where start >= 0 {
            guard name[start..<(start + 3)].elementsEqual(pod),
                  start == 0 || name[start - 1] == UInt8(ascii: "-") else { continue }
            if let uid = normalisedPodUID(name[(start + 3)...]) { return uid }
        }
        return nil
    }

    private static func normalisedPodUID(_ bytes: ArraySlice<UInt8>) -> String? {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        if bytes.count == 32 {
            for byte in bytes {
                guard let hex = lowercaseHex(byte) else { return nil }
                out.append(hex)
            }
        } else if bytes.count == 36 {
            for (offset, byte) in bytes.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") else { return nil }
                    out.append(UInt8(ascii: "-"))
                } else {
                    guard let hex = lowercaseHex(byte) else { return nil }
                    out.append(hex)
                }
            }
        } else {
            return nil
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - Input normalisation

    /// Drops `<hierarchy-id>:<controllers>:` from a `/proc/<pid>/cgroup` line.
    private static func stripProcCgroupLinePrefix(_ bytes: inout [UInt8]) {
        guard let first = bytes.first, first != slash,
              let firstColon = bytes.firstIndex(of: UInt8(ascii: ":")), firstColon > 0,
              bytes[..<firstColon].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let secondColon = bytes[(firstColon + 1)...].firstIndex(of: UInt8(ascii: ":")),
              !bytes[(firstColon + 1)..<secondColon].contains(slash)
        else { return }
        bytes.removeSubrange(...secondColon)
        if let last = bytes.last, last == UInt8(ascii: "\n") { bytes.removeLast() }
    }
}

private extension Array where Element == UInt8 {
    func hasSuffix(_ suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
