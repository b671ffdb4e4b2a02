import GRPCCore
import GRPCNIOTransportHTTP2Posix
import GRPCProtobuf
import NIOConcurrencyHelpers

/// Asks containerd about one container: the unary gRPC call `containerd.services.containers.v1.Containers/Get`
/// (grpc-swift 2 over HTTP/2 on containerd's unix socket, messages from `Containerd/containers.pb.swift`).
/// It exists because containerd speaks gRPC only, where docker, podman and cri-o answer HTTP/1.1
/// (`UnixSocketHTTPClient`).
///
/// One `GRPCClient` (one HTTP/2 connection) per socket, started on the first lookup and reused by every
/// later one; when containerd goes away the transport reconnects with a short backoff (`backoff`), and
/// calls made meanwhile fail fast as `.unavailable` (no wait-for-ready). Every call carries a deadline
/// (`timeout`), enforced by the client: a containerd that accepts and never answers costs one `timeout`,
/// reported as `.timedOut`.
///
/// containerd keeps containers per namespace (metadata `containerd-namespace`): Kubernetes' CRI plugin
/// uses `k8s.io`, `ctr` and nerdctl `default`, dockerd `moby`. They are asked in that order until one
/// holds the container; NOT_FOUND in every one is `.notFound`.
public final class ContainerdContainersClient: Sendable {
    /// The gRPC metadata key that selects the containerd namespace.
    public static let namespaceHeader = "containerd-namespace"
    /// The namespaces asked, in order.
    public static let namespaces = ["k8s.io", "default", "moby"]
    /// `containerd.services.containers.v1.Containers/Get`.
    public static let getMethod = MethodDescriptor(
        fullyQualifiedService: "containerd.services.containers.v1.Containers", method: "Get")

    typealias Request = Containerd_Services_Containers_V1_GetContainerRequest
    typealias Response = Containerd_Services_Containers_V1_GetContainerResponse
    typealias Client = GRPCClient<HTTP2ClientTransport.Posix>

    private enum State: Sendable {
        case idle
        case running(Client, Task<Void, Never>)
        case closed
    }

    public let socketPath: String
    /// Deadline of each call.
    public let timeout: Duration
    public let maxResponseBytes: Int
    private let backoff: HTTP2ClientTransport.Config.Backoff
    private let state = NIOLockedValueBox<State>(.idle)

    public init(socketPath: String, timeout: Duration = .seconds(2), maxResponseBytes: Int = 4 << 20,
                reconnectInitial: Duration = .milliseconds(200), reconnectMax: Duration = .seconds(5)) {
        self.socketPath = socketPath
        self.timeout = timeout
        self.maxResponseBytes = maxResponseBytes
        self.backoff = .init(initial: reconnectInitial, max: reconnectMax, multiplier: 1.6, jitter: 0.2)
    }

    deinit { close() }

    /// Looks container `id` up in each namespace in turn.
    public func lookup(_ id: String) async -> ContainerdLookup {
        let client: Client
        do {
            client = try started()
        } catch {
            return .unavailable("\(error)")
        }
        for namespace in Self.namespaces {
            let result = await get(id, namespace: namespace, client: client)
            if result != .notFound { return result }
        }
        return .notFound
    }

    /// Asks one namespace.
    public func get(_ id: String, namespace: String) async -> ContainerdLookup {
        do {
            return await get(id, namespace: namespace, client: try started())
        } catch {
            return .unavailable("\(error)")
        }
    }

    /// Stops the client and its connection; later lookups answer `.unavailable`.
    public func close() {
        let previous = state.withLockedValue { state -> State in
            let previous = state
            state = .closed
            return previous
        }
        if case .running(let client, _) = previous { client.beginGracefulShutdown() }
    }

    private func get(_ id: String, namespace: String, client: Client) async -> ContainerdLookup {
        var request = Request()
        request.id = id
        var metadata = Metadata()
        metadata.addString(namespace, forKey: Self.namespaceHeader)
        var options = CallOptions.defaults
        options.timeout = timeout
        options.waitForReady = false
        options.maxResponseMessageBytes = maxResponseBytes
        do {
            let response = try await client.unary(
                request: ClientRequest(message: request, metadata: metadata), descriptor: Self.getMethod,
                serializer: ProtobufSerializer<Request>(), deserializer: ProtobufDeserializer<Response>(),
                options: options
            ) { try $0.message }
            guard response.hasContainer else { return .failed("answer in namespace \(namespace) holds no container") }
            return .found(RuntimeInspectDecoder.containerd(response.container), namespace: namespace)
        } catch let error as RPCError {
            switch error.code {
            case .notFound: return .notFound
            case .deadlineExceeded: return .timedOut
            case .unavailable: return .unavailable(error.message)
            default: return .failed("gRPC \(error.code) in namespace \(namespace): \(error.message)")
            }
        } catch {
            return .failed("\(error)")
        }
    }

    /// The running client, started on first use.
    private func started() throws -> Client {
        try state.withLockedValue { state in
            switch state {
            case .running(let client, _):
                return client
            case .closed:
                throw RPCError(code: .unavailable, message: "containerd client for \(socketPath) is closed")
            case .idle:
                let transport = try HTTP2ClientTransport.Posix(
                    target: .unixDomainSocket(path: socketPath), transportSecurity: .plaintext,
                    config: .defaults { $0.backoff = backoff })
                let client = GRPCClient(transport: transport)
                let task = Task { _ = try? await client.runConnections() }
                state = .running(client, task)
                return client
            }
        }
    }
}
