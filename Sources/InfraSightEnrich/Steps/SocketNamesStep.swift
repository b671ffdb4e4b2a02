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
        case .socket: break
        case .dup:
            let d = event.dup
            enrichment.familyName = SocketNames.family(d.family)
            enrichment.protocolName = SocketNames.protocolName(family: d.family, sockType: d.sockType, protocol: d.protocol)
            enrichment.localIp = IPText.text(d.localAddr)
            enrichment.remoteIp = IPText.text(d.remoteAddr)
            return
        case .bind:
            let d = event.bind
            enrichment.familyName = SocketNames.family(d.family)
            enrichment.protocolName = SocketNames.protocolName(family: d.family, sockType: d.sockType, protocol: d.protocol)
            enrichment.localIp = IPText.text(d.addr)
            return
        case .sendto:
            let d = event.sendto
            enrichment.familyName = SocketNames.family(d.family)
            enrichment.protocolName = SocketNames.protocolName(family: d.family, sockType: d.sockType, protocol: d.protocol)
            enrichment.localIp = IPText.text(d.localAddr)
            enrichment.remoteIp = IPText.text(d.remoteAddr)
            return
        case .socketCreate:
            let d = event.socketCreate
            enrichment.familyName = SocketNames.family(d.family)
            enrichment.protocolName = SocketNames.protocolName(family: d.family, sockType: d.sockType, protocol: d.protocol)
            return
        default: return
        }
        let d = event.socket
        enrichment.familyName = SocketNames.family(d.family)
        enrichment.protocolName = SocketNames.protocolName(family: d.family, sockType: d.sockType, protocol: d.protocol)
        enrichment.localIp = IPText.text(d.localAddr)
        enrichment.remoteIp = IPText.text(d.remoteAddr)
    }
}
