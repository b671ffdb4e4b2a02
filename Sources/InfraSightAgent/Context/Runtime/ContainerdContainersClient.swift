import Foundation
import NIOCore
import SwiftProtobuf

/// Asks containerd about one container: `containerd.services.containers.v1.Containers/Get` over gRPC
/// (`GRPCUnaryClient`) on containerd's unix socket, in one containerd namespace after another.
///
/// containerd keeps containers per namespace (gRPC metadata header `containerd-namespace`): Kubernetes'
/// CRI plugin uses `k8s.io`, dockerd `moby`, `ctr` and nerdctl `default`. The namespace the cgroup layout
/// suggests is asked first (a container with a pod uid: `k8s.io`; a docker container: `moby`; otherwise
/// `default`), then the others; NOT_FOUND in one namespace moves on to the next, and a container found in
/// none is absent. containerd's container record has no name: `ContainerMetadata` takes it from the labels
/// (see `RuntimeInspectDecoder.containerd`).
public final class ContainerdContainersClient: Sendable {
    /// The gRPC method the client calls.
    public static let getPath = "/containerd.services.containers.v1.Containers/Get"
    /// The gRPC metadata header that selects the containerd namespace.
    public static let namespaceHeader = "containerd-namespace"
    /// The namespaces asked: Kubernetes (CRI), docker, and `ctr`/nerdctl's default.
    public static let namespaces = ["k8s.io", "moby", "default"]

    /// containerd answered with a gRPC error other than NOT_FOUND.
    public struct StatusError: Error, CustomStringConvertible, Sendable {
        public var status: Int
        public var message: String
        public var namespace: String
        public var description: String { "gRPC status \(status) in namespace \(namespace): \(message)" }
    }

    /// containerd answered OK with something that is not a `GetContainerResponse` holding a container.
    public struct UndecodableAnswer: Error, CustomStringConvertible, Sendable {
        public var namespace: String
        public var description: String { "answer in namespace \(namespace) is not a container" }
    }

    public let grpc: GRPCUnaryClient

    public init(socketPath: String, timeout: TimeAmount = .seconds(2), maxMessageBytes: Int = 4 << 20) {
        grpc = GRPCUnaryClient(socketPath: socketPath, timeout: timeout, maxMessageBytes: maxMessageBytes)
    }

    /// The namespaces to ask for `container`, most likely first.
    public static func namespaceOrder(for container: ContainerIdentity) -> [String] {
        let first: String
        if container.podUID != nil { first = "k8s.io" }
        else if container.runtime == ContainerIdentity.Runtime.docker { first = "moby" }
        else { first = "default" }
        return [first] + namespaces.filter { $0 != first }
    }

    /// The serialized `GetContainerRequest` for container `id`.
    public static func getRequest(containerID id: String) -> [UInt8] {
        var request = Containerd_Services_Containers_V1_GetContainerRequest()
        request.id = id
        return (try? request.serializedBytes()) ?? []
    }

    /// Looks `container` up; `completion` runs once, on an event loop, with its metadata, nil when no
    /// namespace has it, or the first error other than NOT_FOUND.
    public func metadata(for container: ContainerIdentity,
                         completion: @escaping @Sendable (Result<ContainerMetadata?, Error>) -> Void) {
        ask(container.id, namespaces: Self.namespaceOrder(for: container)[...], completion: completion)
    }

    private func ask(_ id: String, namespaces: ArraySlice<String>,
                     completion: @escaping @Sendable (Result<ContainerMetadata?, Error>) -> Void) {
        guard let namespace = namespaces.first else { completion(.success(nil)); return }
        grpc.call(path: Self.getPath, metadata: [(Self.namespaceHeader, namespace)],
                  request: Self.getRequest(containerID: id)) { [self] result in
            switch result {
            case .failure(let error):
                completion(.failure(error))
            case .success(let response) where response.status == GRPCUnaryClient.Response.notFound:
                ask(id, namespaces: namespaces.dropFirst(), completion: completion)
            case .success(let response) where response.status != GRPCUnaryClient.Response.ok:
                completion(.failure(StatusError(status: response.status, message: response.message, namespace: namespace)))
            case .success(let response):
                guard let metadata = RuntimeInspectDecoder.containerd(response.payload ?? []) else {
                    completion(.failure(UndecodableAnswer(namespace: namespace)))
                    return
                }
                completion(.success(metadata))
            }
        }
    }
}
