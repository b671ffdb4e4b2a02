/// Where the agent asks a container runtime about its containers, and which API it speaks there.
public struct RuntimeSocket: Equatable, Sendable {
    /// The API spoken on a runtime socket.
    public enum API: String, Sendable {
        /// Docker Engine API (docker, and podman's Docker-compatible service): `GET /containers/<id>/json`.
        case dockerEngine
        /// CRI-O's HTTP inspect endpoint: `GET /containers/<id>`.
        case crio
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

    /// The request path for container `id`.
    public func inspectPath(containerID id: String) -> String {
        api == .crio ? "/containers/\(id)" : "/containers/\(id)/json"
    }

    /// The usual sockets: docker `/var/run/docker.sock`, podman `/run/podman/podman.sock`
    /// (`podman system service`), CRI-O `/var/run/crio/crio.sock`. containerd speaks gRPC only and is
    /// not asked (its containers get no runtime metadata).
    public static let defaults: [RuntimeSocket] = [
        RuntimeSocket(runtime: ContainerIdentity.Runtime.docker, path: "/var/run/docker.sock", api: .dockerEngine),
        RuntimeSocket(runtime: ContainerIdentity.Runtime.podman, path: "/run/podman/podman.sock", api: .dockerEngine),
        RuntimeSocket(runtime: ContainerIdentity.Runtime.crio, path: "/var/run/crio/crio.sock", api: .crio),
    ]

    /// The sockets for the agent's `--runtime-socket` values: each `RUNTIME=PATH` (runtime `docker`,
    /// `podman` or `cri-o`/`crio`) replaces that runtime's default; `off` alone asks no runtime.
    public static func configured(_ values: [String]) throws -> [RuntimeSocket] {
        if values == ["off"] { return [] }
        var sockets = defaults
        for value in values {
            guard let eq = value.firstIndex(of: "="), value.index(after: eq) != value.endIndex else {
                throw RuntimeSocketError(message: "--runtime-socket wants RUNTIME=PATH (docker, podman, cri-o) or off, got \"\(value)\"")
            }
            var runtime = String(value[..<eq]).lowercased()
            if runtime == "crio" { runtime = ContainerIdentity.Runtime.crio }
            let path = String(value[value.index(after: eq)...])
            guard let i = sockets.firstIndex(where: { $0.runtime == runtime }) else {
                throw RuntimeSocketError(message: "--runtime-socket: unknown runtime \"\(runtime)\" (docker, podman, cri-o; containerd is not supported)")
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
