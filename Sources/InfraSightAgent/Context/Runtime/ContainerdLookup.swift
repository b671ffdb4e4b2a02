/// What one containerd lookup of a container ended with. It exists so the cache can tell a found
/// container from each kind of miss (the misses are counted apart, `RuntimeMetadataMisses`) without
/// catching errors on the event path.
public enum ContainerdLookup: Sendable, Equatable {
    /// containerd holds the container in `namespace`.
    case found(ContainerMetadata, namespace: String)
    /// No namespace asked holds it (never created there, or already removed).
    case notFound
    /// A call reached its deadline without an answer.
    case timedOut
    /// containerd could not be reached (no socket, connection refused, daemon restarting).
    case unavailable(String)
    /// containerd answered with another gRPC error, or with something that is not a container.
    case failed(String)
}
