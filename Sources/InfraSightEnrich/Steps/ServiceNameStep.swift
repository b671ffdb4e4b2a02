import InfraSightCore

/// Adds `service`: the well-known name (`ServiceNames`) of the remote port for connect and of the
/// local (listening) port for accept, of the remote (peer) port for dup (a reverse shell's listener), of
/// the port bound or listened on for bind / listen, of the destination port for sendto, looked up in the TCP or UDP table by the socket's protocol
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
        if event.detailKind == .dup {
            let d = event.dup
            guard SocketNames.isInet(d.family) else { return }
            add(port: d.remotePort, sockType: d.sockType, protocol: d.protocol, to: &enrichment)
            return
        }
        if event.detailKind == .bind {
            let d = event.bind
            guard SocketNames.isInet(d.family) else { return }
            add(port: d.port, sockType: d.sockType, protocol: d.protocol, to: &enrichment)
            return
        }
        if event.detailKind == .sendto {
            let d = event.sendto
            guard SocketNames.isInet(d.family) else { return }
            add(port: d.remotePort, sockType: d.sockType, protocol: d.protocol, to: &enrichment)
            return
        }
        guard event.detailKind == .socket else { return }
        let d = event.socket
        guard SocketNames.isInet(d.family) else { return }
        let probe = event.probeKind
        let isAccept = probe == .accept || (probe != .connect && ByteText.hasPrefix(d.syscall, "accept"))
        let port = isAccept ? d.localPort : d.remotePort
        add(port: port, sockType: d.sockType, protocol: d.protocol, to: &enrichment)
    }

    private func add(port: UInt32, sockType: UInt32, protocol proto: UInt32,
                     to enrichment: inout EnrichmentFields) {
        let udp = proto == SocketNames.IPPROTO_UDP || proto == 136
            || (proto == 0 && sockType & SocketNames.SOCK_TYPE_MASK == SocketNames.SOCK_DGRAM)
        let service = services.name(port: port, transport: udp ? .udp : .tcp)
        if !service.isEmpty { enrichment.service = service }
    }
}
