/// The container a process runs in, as derived from its cgroup path.
public struct ContainerIdentity: Equatable, Hashable, Sendable {
    /// Full container id: 64 lowercase hex digits.
    public var id: String
    /// The runtime that created the container: "docker", "containerd", "cri-o" or "podman".
    public var runtime: String
    /// UID of the Kubernetes pod, in dashed form (`0f1e…-…`), when the cgroup path contains one.
    /// Static (mirror) pods have a 32-hex-digit hash instead of an RFC 4122 UUID; it is reported as is.
    public var podUID: String?

    /// A container identity; `id` is expected in canonical (lowercase) form.
    public init(id: String, runtime: String, podUID: String? = nil) {
        self.id = id
        self.runtime = runtime
        self.podUID = podUID
    }
}

extension ContainerIdentity {
    /// The runtime names `ContainerIdentity.runtime` takes.
    public enum Runtime {
        public static let docker = "docker"
        public static let containerd = "containerd"
        public static let crio = "cri-o"
        public static let podman = "podman"
    }

    /// The first 12 hex digits, as `docker ps` shows them.
    public var shortID: String { String(id.prefix(12)) }
}
