import InfraSightCore

/// Adds `service`: the well-known name (`ServiceNames`) of the remote port for connect and of the
/// local (listening) port for accept, looked up in the TCP or UDP table by the socket's protocol
/// (type `SOCK_DGRAM` or protocol UDP/UDPLITE → udp, other inet sockets → tcp). Empty for
/// non-inet sockets, port 0 and unknown ports. The table is built once, at construction.
public struct ServiceNameStep: EnrichmentStep {
    public let name = "service"
    let services: ServiceNames

    /// The built-in table, extended by `servicesFile` (`/etc/services` format) when given and readable.
    public init(servicesFile: String? = nil) {
        let builtin = ServiceNames()
        services = servicesFile.map { builtin.merging(servicesFile: $0) } ?? builtin
    }

    public init(services: ServiceNames) { self.services = services }

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        guard event.detailKind == .socket else { return }
        let d = event.socket
        guard SocketNames.isInet(d.family) else { return }
        let probe = event.probeKind
        let isAccept = probe == .accept || (probe != .connect && ByteText.hasPrefix(d.syscall, "accept"))
        let port = isAccept ? d.localPort : d.remotePort
        let udp = d.protocol == SocketNames.IPPROTO_UDP || d.protocol == 136
            || (d.protocol == 0 && d.sockType & SocketNames.SOCK_TYPE_MASK == SocketNames.SOCK_DGRAM)
        let service = services.name(port: port, transport: udp ? .udp : .tcp)
        if !service.isEmpty { enrichment.service = service }
    }
}
