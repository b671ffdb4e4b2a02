/// What a container runtime says about one container: its name, image and labels, and the
/// Kubernetes pod it belongs to (taken from the CRI labels every Kubernetes runtime sets:
/// `io.kubernetes.pod.name`, `io.kubernetes.pod.namespace`, `io.kubernetes.pod.uid`).
public struct ContainerMetadata: Equatable, Sendable {
    /// The container's name (no leading `/`); for a Kubernetes container the CRI container name
    /// (`io.kubernetes.container.name`) when the runtime set it.
    public var name: String
    /// The image the container was created from, as the runtime names it (`repo:tag` or an id).
    public var image: String
    /// The container's labels.
    public var labels: [String: String]
    public var podName: String
    public var podNamespace: String
    public var podUID: String

    /// Metadata from the runtime's own fields; the pod fields and a Kubernetes container name come from `labels`.
    public init(name: String, image: String, labels: [String: String]) {
        var name = name
        if name.hasPrefix("/") { name.removeFirst() }
        self.name = labels[Self.containerNameLabel].flatMap { $0.isEmpty ? nil : $0 } ?? name
        self.image = image
        self.labels = labels
        self.podName = labels[Self.podNameLabel] ?? ""
        self.podNamespace = labels[Self.podNamespaceLabel] ?? ""
        self.podUID = labels[Self.podUIDLabel] ?? ""
    }

    public static let podNameLabel = "io.kubernetes.pod.name"
    public static let podNamespaceLabel = "io.kubernetes.pod.namespace"
    public static let podUIDLabel = "io.kubernetes.pod.uid"
    public static let containerNameLabel = "io.kubernetes.container.name"
}
