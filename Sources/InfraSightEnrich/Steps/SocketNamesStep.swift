import InfraSightCore

/// Adds `family_name`, `protocol_name` (rules: `SocketNames`; empty for non-inet families such as
/// unix) and `local_ip` / `remote_ip` (rules: `IPText`; IPv4-mapped IPv6 as IPv4, empty when the
/// address is absent or not 4/16 bytes) to connect/accept events and to dup events (the socket put on
/// fd 0-2); family and protocol names alone to socket() events (they have no address yet); to bind /
/// listen events the names and `local_ip` (the address bound or listened on); to sendto events the names,
/// `local_ip` and `remote_ip` (the destination).
public struct SocketNamesStep: EnrichmentStep {
    public let name = "socket-names"
    public init() {}

    public func apply(_ event: EventView, to enrichment: inout EnrichmentFields) {
        switch event.detailKind {
        case .socket:
            let d = event.socket
            names(d.family, d.sockType, d.protocol, &enrichment)
            addresses(local: d.localAddr, remote: d.remoteAddr, &enrichment)
        case .dup:
            let d = event.dup
            names(d.family, d.sockType, d.protocol, &enrichment)
            addresses(local: d.localAddr, remote: d.remoteAddr, &enrichment)
        case .bind:
            let d = event.bind
            names(d.family, d.sockType, d.protocol, &enrichment)
            enrichment.localIp = IPText.text(d.addr)
        case .sendto:
            let d = event.sendto
            names(d.family, d.sockType, d.protocol, &enrichment)
            addresses(local: d.localAddr, remote: d.remoteAddr, &enrichment)
        case .socketCreate:
            let d = event.socketCreate
            names(d.family, d.sockType, d.protocol, &enrichment)
        default: return
        }
    }

    @inline(__always)
    private func names(_ family: UInt32, _ sockType: UInt32, _ proto: UInt32, _ enrichment: inout EnrichmentFields) {
        enrichment.familyName = SocketNames.family(family)
        enrichment.protocolName = SocketNames.protocolName(family: family, sockType: sockType, protocol: proto)
    }

    @inline(__always)
    private func addresses(local: UnsafeRawBufferPointer, remote: UnsafeRawBufferPointer, _ enrichment: inout EnrichmentFields) {
        enrichment.localIp = IPText.text(local)
        enrichment.remoteIp = IPText.text(remote)
    }
}
