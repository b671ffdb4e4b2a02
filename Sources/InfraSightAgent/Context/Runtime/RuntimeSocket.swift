/// Where the agent asks a container runtime about its containers, and which API it speaks there.
public struct RuntimeSocket: Equatable, Sendable {
    /// The API spoken on a runtime socket.
    public enum API: String, Sendable {
        /// Docker Engine API (docker, and podman's Docker-compatible service): `GET /containers/<id>/json`.
        case dockerEngine
        /// CRI-O's HTTP inspect endpoint: `GET /containers/<id>`.
        case crio
        /// containerd's gRPC API: `containerd.services.containers.v1.Containers/Get` (`ContainerdContainersClient`).
        case containerdGRPC
    }

    /// `ContainerIdentity.runtime` of the containers this socket answers for.
    public var runtime: String
    public var path: String
    public var api: API

    public init(runtime: String, path: String, api: API) {
        self.runtime = runtime
        self.path = path
        self.api = api
    }

    /// The request path for container `id` (HTTP APIs; the gRPC method for containerd).
    public func inspectPath(containerID id: String) -> String {
        switch api {
        case .crio: return "/containers/\(id)"
        case .dockerEngine: return "/containers/\(id)/json"
        case .containerdGRPC: return "/" + ContainerdContainersClient.getMethod.fullyQualifiedMethod
        }
    }

    /// The usual sockets: docker `/var/run/docker.sock`, podman `/run/podman/podman.sock`
    /// (`podman system service`), CRI-O `/var/run/crio/crio.sock`, containerd `/run/containerd/containerd.sock`.
    public static let defaults: [RuntimeSocket] = [
        RuntimeSocket(runtime: ContainerIdentity.Runtime.docker, path: "/var/run/docker.sock", api: .dockerEngine),
        RuntimeSocket(runtime: ContainerIdentity.Runtime.podman, path: "/run/podman/podman.sock", api: .dockerEngine),
        RuntimeSocket(runtime: ContainerIdentity.Runtime.crio, path: "/var/run/crio/crio.sock", api: .crio),
        RuntimeSocket(runtime: ContainerIdentity.Runtime.containerd, path: "/run/containerd/containerd.sock", api: .containerdGRPC),
    ]

    /// The sockets for the agent's `--runtime-socket` values: each `RUNTIME=PATH` (runtime `docker`,
    /// `podman`, `cri-o`/`crio` or `containerd`) replaces that runtime's default; `off` alone asks no runtime.
    public static func configured(_ values: [String]) throws -> [RuntimeSocket] {
        if values == ["off"] { return [] }
        var sockets = defaults
        for value in values {
            guard let eq = value.firstIndex(of: "="), value.index(after: eq) != value.endIndex else {
                throw RuntimeSocketError(message: "--runtime-socket wants RUNTIME=PATH (docker, podman, cri-o, containerd) or off, got \"\(value)\"")
            }
            var runtime = String(value[..<eq]).lowercased()
            if runtime == "crio" { runtime = ContainerIdentity.Runtime.crio }
            let path = String(value[value.index(after: eq)...])
            guard let i = sockets.firstIndex(where: { $0.runtime == runtime }) else {
                throw RuntimeSocketError(message: "--runtime-socket: unknown runtime \"\(runtime)\" (docker, podman, cri-o, containerd)")
            }
            sockets[i].path = path
        }
        return sockets
    }
}

/// A `--runtime-socket` value the agent cannot use.
public struct RuntimeSocketError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
